// The benchmark job in DuckDB, for scripts/bench --peers.
//
//   node duckdb-job.js THREADS PREDICTIONS OUTCOMES THRESHOLD [WINDOW_S
//       [LABEL_TYPE]] > answers.tsv
//
// The same job as mfm-join | mfm-window -s WINDOW_S | mfm-metric --by
// model_version | mfm-threshold -e 'auc < THRESHOLD': pair each prediction
// with the first outcome of its id, the earliest (a logged-twice
// prediction's copy gets none, as in mfm-join; bench-gen's copies are
// identical lines, so which copy keeps the outcome does not change any
// figure), windows of WINDOW_S seconds (86400) of the prediction time,
// then per window and model version n, labelled, AUC
// (ties count one half, as scikit-learn's), precision, recall, F1,
// accuracy and MSE at a 0.5 threshold, then the breaching rows.  Writes
// one line per window and version: start (s since the epoch), version, n,
// labelled, AUC; then the number of breaches on stderr.  DuckDB is given
// the columns it needs rather than inferring them: its fastest way; the
// label's type is LABEL_TYPE (BOOLEAN, or INTEGER for labels 0 and 1).
'use strict';
const duckdb = require('@duckdb/node-api');

async function main() {
	const [threads, preds, outs, thr] = process.argv.slice(2);
	const win = Number(process.argv[6] || 86400);
	const ltype = process.argv[7] === 'INTEGER' ? 'INTEGER' : 'BOOLEAN';
	const db = await duckdb.DuckDBInstance.create(':memory:',
	    { threads: String(threads) });
	const c = await db.connect();
	const q = (s) => "'" + s.replace(/'/g, "''") + "'";
	await c.run("SET TimeZone = 'UTC'");
	await c.run(`CREATE TABLE m AS
WITH p AS (
	SELECT id, model_version AS mv, outputs.probability_churn AS score,
	    floor(epoch(CAST("timestamp" AS TIMESTAMPTZ)) / ${win})::BIGINT *
	    ${win} AS w,
	    row_number() OVER (PARTITION BY id) AS rn
	FROM read_json(${q(preds)}, format = 'newline_delimited',
	    columns = {id: 'VARCHAR', "timestamp": 'VARCHAR',
	    model_version: 'VARCHAR',
	    outputs: 'STRUCT(probability_churn DOUBLE)'})),
o AS (
	SELECT id, arg_min(churned, "timestamp")::BOOLEAN AS y
	FROM read_json(${q(outs)}, format = 'newline_delimited',
	    columns = {id: 'VARCHAR', "timestamp": 'VARCHAR',
	    churned: '${ltype}'})
	GROUP BY id),
j AS (
	SELECT w, mv, score, CASE WHEN rn = 1 THEN o.y END AS y
	FROM p LEFT JOIN o USING (id)),
g AS (
	SELECT w, mv, score, count(*) FILTER (WHERE y) AS pos,
	    count(*) FILTER (WHERE NOT y) AS neg
	FROM j WHERE y IS NOT NULL GROUP BY ALL),
c AS (
	SELECT *, coalesce(sum(neg) OVER (PARTITION BY w, mv ORDER BY score
	    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
	FROM g),
a AS (
	SELECT w, mv, sum(pos * below + 0.5 * pos * neg) /
	    (sum(pos) * sum(neg)) AS auc
	FROM c GROUP BY ALL),
s AS (
	SELECT w, mv, count(*) AS n, count(y) AS labelled,
	    count(*) FILTER (WHERE y AND score >= 0.5) AS tp,
	    count(*) FILTER (WHERE NOT y AND score >= 0.5) AS fp,
	    count(*) FILTER (WHERE y AND score < 0.5) AS fn,
	    count(*) FILTER (WHERE NOT y AND score < 0.5) AS tn,
	    avg((score - y::INT) ^ 2) AS mse
	FROM j GROUP BY ALL)
SELECT s.*, a.auc, tp / nullif(tp + fp, 0) AS precision,
    tp / nullif(tp + fn, 0) AS recall,
    2 * tp / nullif(2 * tp + fp + fn, 0) AS f1,
    (tp + tn) / nullif(labelled, 0) AS accuracy
FROM s LEFT JOIN a USING (w, mv) ORDER BY w, mv`);
	const r = await c.runAndReadAll('SELECT w, mv, n, labelled, auc FROM m');
	let out = '';
	for (const row of r.getRows())
		out += row.map((v) => v === null ? '' : String(v)).join('\t') +
		    '\n';
	process.stdout.write(out);
	const b = await c.runAndReadAll(
	    `SELECT count(*) FROM m WHERE auc < ${Number(thr)}`);
	process.stderr.write('breaches ' + String(b.getRows()[0][0]) + '\n');
}

main().catch((e) => { process.stderr.write(String(e) + '\n');
	process.exit(2); });
