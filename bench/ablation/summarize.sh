#!/bin/sh
# summarize.sh - the skip ablation's figure from the output folder of
#   nltc sweep examples/ablation_skip.nlt -o DIR
# Prints test accuracy per tree depth, with and without the tree-level skip (mean, min and
# max over the seeds), and writes DIR/ablation.svg (test accuracy against depth).
# usage: bench/ablation/summarize.sh DIR
set -eu
dir=$1
for f in "$dir"/*/report.json; do
    name=$(basename "$(dirname "$f")")
    levels=$(echo "$name" | sed 's/.*levels-\([a-z-]*\)_skip.*/\1/' | tr '-' '\n' | grep -c .)
    skip=$(echo "$name" | sed 's/.*_skip-\([a-z]*\).*/\1/')
    acc=$(sed -n 's/.*"quantized": \([0-9.]*\).*/\1/p' "$f" | head -n 1)
    echo "$levels $skip $acc"
done | sort -n | awk -v svg="$dir/ablation.svg" '
{ k = $1 " " $2; n[k]++; s[k] += $3; if (!(k in lo) || $3 < lo[k]) lo[k] = $3
  if (!(k in hi) || $3 > hi[k]) hi[k] = $3; d[$1] = 1 }
END {
    printf "%-6s %-6s %6s %8s %8s %8s\n", "DEPTH", "SKIP", "SEEDS", "MEAN", "MIN", "MAX"
    nd = 0
    for (x in d) dep[++nd] = x + 0
    for (i = 1; i <= nd; i++) for (j = i + 1; j <= nd; j++) if (dep[j] < dep[i]) { t = dep[i]; dep[i] = dep[j]; dep[j] = t }
    split("tree none", sk, " ")
    for (i = 1; i <= nd; i++) for (m = 1; m <= 2; m++) {
        k = dep[i] " " sk[m]
        if (n[k]) printf "%-6d %-6s %6d %7.2f%% %7.2f%% %7.2f%%\n", dep[i], sk[m], n[k], 100 * s[k] / n[k], 100 * lo[k], 100 * hi[k]
    }
    # the plot: mean test accuracy against depth, one line per skip setting, min-max bars
    W = 480; H = 310; L = 60; R = 20; T = 50; B = 50
    ymin = 1; ymax = 0
    for (k in n) { if (lo[k] < ymin) ymin = lo[k]; if (hi[k] > ymax) ymax = hi[k] }
    ymin = int(ymin * 20) / 20; ymax = int(ymax * 20 + 1) / 20
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H > svg
    printf "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">Test accuracy against tree depth (digits)</text>\n", W, H, L > svg
    printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", L, T, W - L - R, H - T - B > svg
    for (v = ymin; v <= ymax + 1e-9; v += 0.05) {
        y = H - B - (v - ymin) / (ymax - ymin) * (H - T - B)
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>\n", L, y, W - R, y, L - 6, y + 4, v * 100 + 0.5 > svg
    }
    for (i = 1; i <= nd; i++) {
        x = L + (i - 0.5) / nd * (W - L - R)
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x, H - B + 18, dep[i] > svg
    }
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">tree depth (levels)</text>\n", (L + W - R) / 2, H - 10 > svg
    split("#1f77b4 #d62728", col, " ")
    for (m = 1; m <= 2; m++) {
        path = ""
        for (i = 1; i <= nd; i++) {
            k = dep[i] " " sk[m]
            if (!n[k]) continue
            x = L + (i - 0.5) / nd * (W - L - R) + (m - 1.5) * 6
            y = H - B - (s[k] / n[k] - ymin) / (ymax - ymin) * (H - T - B)
            y0 = H - B - (lo[k] - ymin) / (ymax - ymin) * (H - T - B)
            y1 = H - B - (hi[k] - ymin) / (ymax - ymin) * (H - T - B)
            path = path (path == "" ? "M" : "L") sprintf("%.1f %.1f ", x, y)
            printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", x, y0, x, y1, col[m], x, y, col[m] > svg
        }
        printf "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", path, col[m] > svg
        printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">skip = %s</text>\n", L + (m - 1) * 110, 38, L + 18 + (m - 1) * 110, 38, col[m], L + 22 + (m - 1) * 110, 42, sk[m] > svg
    }
    print "</svg>" > svg
}'
echo "wrote $dir/ablation.svg"
