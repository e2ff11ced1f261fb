# Helpers shared by the CLI cases, sourced by a case's cmd as
#
#     . "$MFM_TOP/tests/cli/lib.sh"
#
# The runner (tests/cli/run) runs a cmd with sh from the case's folder,
# TMPDIR a fresh directory of the case's own.
#
# case: the case's folder, where its input files are (after a cd);
# work: an empty scratch directory inside TMPDIR.
#
# st [-p] CMD [ARG...]: run CMD, and note "CMD: status N".  In a pipeline
# the shell keeps only the last command's status, so a tool that fails
# before the end of a pipeline would go unseen: every tool of a pipeline
# but the last runs under st,
#
#     st mfm-join p.ndjson o.ndjson | st mfm-window -s 1d | grep -c window
#
# and the statuses are printed, sorted (the stages of a pipeline end in
# any order), by `statuses`, or at the end of the case if it does not
# call it.  With -p a stage whose reader may go away first (| head)
# notes "0 or SIGPIPE" for either.
case=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/work.XXXXXX") || exit 99
_st_file=$work.statuses

st() {
	_st_p=
	if [ "$1" = -p ]; then
		_st_p=1
		shift
	fi
	"$@"
	_st=$?
	if [ -n "$_st_p" ] && { [ $_st = 0 ] || [ $_st = 141 ]; }; then
		echo "${1##*/}: status 0 or SIGPIPE" >>"$_st_file"
	else
		echo "${1##*/}: status $_st" >>"$_st_file"
	fi
	return $_st
}

statuses() {
	if [ -f "$_st_file" ]; then
		sort "$_st_file"
		rm -f "$_st_file"
	fi
}

trap statuses EXIT
