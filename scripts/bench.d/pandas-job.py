#!/usr/bin/python3
#
# The benchmark job in pandas and scikit-learn, for scripts/bench --peers.
#
#   pandas-job.py PREDICTIONS OUTCOMES THRESHOLD > answers.tsv
#
# Written as a data scientist would write it: read both logs with
# read_json(lines=True), keep the first outcome of each id, left-merge,
# give a logged-twice prediction's copy no outcome (as mfm-join does), cut
# daily windows of the prediction time, then per window and model version
# n, labelled, and scikit-learn's roc_auc_score, precision, recall, F1,
# accuracy and MSE at a 0.5 threshold, then the rows with AUC below
# THRESHOLD.  Writes one line per window and version: start (s since the
# epoch), version, n, labelled, AUC; the number of breaches on stderr.

import sys
import warnings

import pandas as pd
from sklearn import metrics


def main():
    preds, outs, thr = sys.argv[1], sys.argv[2], float(sys.argv[3])
    warnings.simplefilter("ignore")
    p = pd.read_json(preds, lines=True, dtype=False, convert_dates=False)
    o = pd.read_json(outs, lines=True, dtype=False, convert_dates=False)
    o = o.drop_duplicates("id", keep="first")[["id", "churned"]]
    p["score"] = p["outputs"].str["probability_churn"].astype(float)
    t = pd.to_datetime(p["timestamp"], utc=True)
    p["w"] = t.dt.floor("D").astype("int64") // 10**9
    j = p[["id", "w", "model_version", "score"]].merge(o, on="id",
                                                        how="left")
    j.loc[j["id"].duplicated(keep="first"), "churned"] = None
    rows = []
    for (w, mv), g in j.groupby(["w", "model_version"], sort=True):
        lab = g[g["churned"].notna()]
        y = lab["churned"].astype(bool).to_numpy()
        s = lab["score"].to_numpy()
        yhat = s >= 0.5
        r = {"w": w, "mv": mv, "n": len(g), "labelled": len(lab)}
        if len(lab) and y.any() and not y.all():
            r["auc"] = metrics.roc_auc_score(y, s)
        if len(lab):
            r["precision"] = metrics.precision_score(y, yhat,
                                                     zero_division=0)
            r["recall"] = metrics.recall_score(y, yhat,
                                               zero_division=0)
            r["f1"] = metrics.f1_score(y, yhat, zero_division=0)
            r["accuracy"] = metrics.accuracy_score(y, yhat)
            r["mse"] = metrics.mean_squared_error(y.astype(float), s)
        rows.append(r)
    out = []
    breaches = 0
    for r in rows:
        auc = r.get("auc")
        if auc is not None and auc < thr:
            breaches += 1
        out.append("%d\t%s\t%d\t%d\t%s\n" % (
            r["w"], r["mv"], r["n"], r["labelled"],
            "" if auc is None else repr(float(auc))))
    sys.stdout.write("".join(out))
    sys.stderr.write("breaches %d\n" % breaches)


if __name__ == "__main__":
    main()
