# Shared by the test files: a tiny check runner, the test federation's folders and the values
# computed directly from the records each node ingested.
suppressPackageStartupMessages(library(verbind))

work <- Sys.getenv("VB_WORK")
if (!nzchar(work)) stop("run these tests through clients/r/run_tests.sh")
node_dir <- function(org) file.path(work, org)
purpose <- "subsidy-monitor"
legal_basis <- "Awb art. 4:23"
failures <- 0L

# Runs one named check; an error or a FALSE counts as a failure, with the reason printed.
check <- function(name, expr) {
  ok <- tryCatch(isTRUE(expr), error = function(e) {
    message("    error: ", conditionMessage(e))
    FALSE
  })
  cat(if (ok) "  ok   " else "  FAIL ", name, "\n", sep = "")
  if (!ok) failures <<- failures + 1L
  invisible(ok)
}

# The condition EXPR raises (an error or a warning), or NULL when it raises none.
condition_of <- function(expr) {
  tryCatch({
    expr
    NULL
  }, condition = function(c) c)
}

# The error EXPR raises, checked to have CLASS; NULL (a failed check) otherwise.
expect_error_class <- function(name, expr, class) {
  e <- tryCatch({
    expr
    NULL
  }, error = function(e) e)
  check(sprintf("%s raises %s", name, class), inherits(e, class) &&
          inherits(e, "verbind_api_error"))
  if (!is.null(e)) cat("       (", class(e)[1], ": ", gsub("\n", "\n        ", conditionMessage(e)),
                       ")\n", sep = "")
  e
}

# Counts, sums (in cents) and withheld cells per year and scheme over the records of ORGS,
# with the policy's threshold of 5: a cell any organisation holds 1 to 4 records of is withheld.
expected_cells <- function(orgs) {
  per_org <- lapply(orgs, function(o) {
    d <- read.csv(file.path(work, paste0(o, ".csv")), colClasses = c(amount = "character"))
    d$cents <- as.numeric(sub("\\.", "", d$amount))
    d$n <- 1
    aggregate(cbind(n, cents) ~ year + scheme, data = d, FUN = sum)
  })
  all <- do.call(rbind, per_org)
  cells <- aggregate(cbind(n, cents) ~ year + scheme, data = all, FUN = sum)
  small <- all[all$n < 5, c("year", "scheme")]
  cells$withheld <- paste(cells$year, cells$scheme) %in% paste(small$year, small$scheme)
  cells
}

# The row of FRAME for YEAR and SCHEME.
cell <- function(frame, year, scheme) frame[frame$year == year & frame$scheme == scheme, ]

finish <- function() {
  if (failures > 0) {
    cat(failures, "check(s) failed\n")
    quit(status = 1)
  }
}
