# Writes the test records of three organisations (org-a.csv, org-b.csv, org-c.csv) into the
# folder given as the first argument. Deterministic: every organisation has 7 to 20 grants per
# year and scheme, except org-b with 2 energy grants in 2019 (below the policy's threshold of
# 5, so that cell is withheld) and org-c with no sport grants in 2023 (zero is not withheld).
args <- commandArgs(trailingOnly = TRUE)
out <- args[[1]]
orgs <- c("org-a", "org-b", "org-c")
schemes <- c("culture", "sport", "energy")
for (k in seq_along(orgs)) {
  rows <- list()
  for (year in 2019:2023) {
    for (s in seq_along(schemes)) {
      n <- 5 + 2 * (year - 2019) + k + s
      if (orgs[k] == "org-b" && year == 2019 && schemes[s] == "energy") n <- 2
      if (orgs[k] == "org-c" && year == 2023 && schemes[s] == "sport") n <- 0
      if (n == 0) next
      i <- seq_len(n)
      cents <- 100000 + 12550 * ((i + k + s) %% 8) + 25 * year
      rows[[length(rows) + 1]] <- data.frame(
        grant_id = sprintf("%s-%d-%s-%d", orgs[k], year, schemes[s], i),
        year = year, scheme = schemes[s],
        amount = sprintf("%d.%02d", cents %/% 100, cents %% 100))
    }
  }
  write.csv(do.call(rbind, rows), file.path(out, paste0(orgs[k], ".csv")),
            row.names = FALSE, quote = FALSE)
}

# New benefit starts for the trend example (orgname.starts.csv): 5 to 16 a month per scheme
# and organisation over 2023 and 2024, with a yearly rhythm.
for (k in seq_along(orgs)) {
  rows <- list()
  for (year in 2023:2024) {
    for (month in 1:12) {
      for (s in seq_along(c("WMO", "Bijstand", "WW"))) {
        n <- 5 + (month + 3 * s + k) %% 7 + (year - 2023) * s
        rows[[length(rows) + 1]] <- data.frame(
          start_id = sprintf("%s-%d-%02d-%d-%d", orgs[k], year, month, s, seq_len(n)),
          scheme = c("WMO", "Bijstand", "WW")[s],
          start_date = sprintf("%d-%02d-%02d", year, month, 1 + (seq_len(n) %% 28)))
      }
    }
  }
  write.csv(do.call(rbind, rows), file.path(out, paste0(orgs[k], ".starts.csv")),
            row.names = FALSE, quote = FALSE)
}
