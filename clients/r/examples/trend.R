# A trend over time from every organisation: the number of records per period and group, asked
# of a node, drawn with base graphics to a PNG (or a PDF where R has no PNG device).
#
#   Rscript trend.R NODE_DIR [OUT_FILE] [name=value ...]
#
# The names and their defaults are in `settings` below: by default new starts per month and
# scheme (every month of the dataset's public period grid is listed), e.g.
#   Rscript trend.R /srv/verbind/node trend.png dataset=starts series=scheme \
#     "period=date_trunc('quarter', start_date)" purpose=policy-monitor \
#     "legal_basis=Participatiewet art. 47"
# A period is any group-by key: a date_trunc or extract of a date field, or an integer field.
library(verbind)

settings <- list(dataset = "starts", period = "date_trunc('month', start_date)",
                 series = "scheme", purpose = "policy-monitor",
                 legal_basis = "Participatiewet art. 47")
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript trend.R NODE_DIR [OUT_FILE] [name=value ...]")
named <- grepl("=", args)
for (a in args[named]) settings[[sub("=.*", "", a)]] <- sub("^[^=]*=", "", a)
positional <- args[!named]
out <- if (length(positional) >= 2) positional[2] else "trend.png"

con <- vb_connect(positional[1])
sql <- sprintf("SELECT %s AS period, %s, count(*) AS n FROM %s GROUP BY period, %s",
               settings$period, settings$series, settings$dataset, settings$series)
# A partial run warns (and the warning is printed); the plot then says who is missing.
counts <- vb_query(con, sql, purpose = settings$purpose, legal_basis = settings$legal_basis)
coverage <- attr(counts, "coverage")

# One row per period, one column per series (the node lists every declared key, so every cell
# is there); withheld counts are NA and leave a gap.
by_cell <- list(counts$period, counts[[settings$series]])
n <- tapply(counts$n, by_cell, sum)
incomplete <- tapply(counts$n_status, by_cell, function(s) s[1]) == "incomplete"
labels <- rownames(n)
dates <- all(grepl("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", labels))
periods <- if (dates) as.numeric(as.Date(labels)) else as.numeric(labels)
series <- colnames(n)
cat(sprintf("%d periods from %s to %s, %d series\n", length(labels), labels[1],
            labels[length(labels)], length(series)))

if (capabilities("png")) {
  png(out, width = 900, height = 600)
} else {
  out <- sub("\\.png$", ".pdf", out)
  pdf(out, width = 9, height = 6)
}
colours <- seq_along(series)
matplot(periods, n, type = "b", lty = 1, pch = 19, col = colours,
        ylim = c(0, max(n, 1, na.rm = TRUE)), xlab = settings$period, ylab = "records", xaxt = "n",
        main = sprintf("%s per %s and %s", settings$dataset, settings$period, settings$series))
axis(1, at = periods, labels = if (dates) format(as.Date(labels), "%Y-%m") else labels)
if (any(incomplete, na.rm = TRUE)) {
  # Open circles: some organisation's part is missing from these counts.
  matpoints(periods, ifelse(incomplete, n, NA), pch = 21, bg = "white", col = colours)
}
answered <- sum(coverage$status == "answered")
missing <- coverage[coverage$status != "answered", ]
mtext(if (nrow(missing) == 0) {
  sprintf("all %d organisations answered", answered)
} else {
  sprintf("PARTIAL: %d of %d answered; missing %s (open circles are incomplete)", answered,
          nrow(coverage), paste0(missing$org_id, " (", missing$status, ")", collapse = ", "))
}, side = 3, line = 0.3, cex = 0.9)
legend("topleft", legend = series, col = colours, pch = 19, lty = 1, bty = "n")
if (anyNA(n)) {
  mtext("gaps: withheld (too few records at some organisation)", side = 1, line = 4, cex = 0.8)
}
invisible(dev.off())
cat("wrote", out, "\n")
