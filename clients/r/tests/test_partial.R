# Partial runs never pass silently: a node that hangs (timed_out) or is stopped (unreachable)
# gives a warning naming it, status "partial", the coverage and incomplete rows;
# require_complete = TRUE makes it an error. Runs last: it stops org-c.
source(file.path(Sys.getenv("VB_TESTS"), "helpers.R"))
con <- vb_connect(node_dir("org-a"))
sql <- "SELECT year, scheme, count(*), sum(amount) FROM grants GROUP BY year, scheme"
without_c <- expected_cells(c("org-a", "org-b"))

# The result of EXPR and the warnings it raised.
with_warnings <- function(expr) {
  warnings <- list()
  value <- withCallingHandlers(expr, warning = function(w) {
    warnings[[length(warnings) + 1]] <<- w
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warnings)
}

check_partial <- function(what, run, missing_status) {
  res <- run$value
  w <- run$warnings
  check(paste(what, "warns once, naming org-c"), length(w) == 1 &&
          inherits(w[[1]], "verbind_partial") && identical(w[[1]]$missing, "org-c") &&
          grepl(paste0("org-c: ", missing_status), conditionMessage(w[[1]])))
  check(paste(what, "has status partial"), identical(attr(res, "status"), "partial"))
  cov <- attr(res, "coverage")
  check(paste(what, "coverage: org-c", missing_status, "the others answered"),
        cov$status[cov$org_id == "org-c"] == missing_status &&
          all(cov$status[cov$org_id != "org-c"] == "answered") &&
          !is.na(cov$message[cov$org_id == "org-c"]))
  shown <- without_c[!without_c$withheld, ]
  got <- mapply(function(y, s) cell(res, y, s)$`count(*)`, shown$year, shown$scheme)
  check(paste(what, "counts are org-a's and org-b's records"),
        identical(as.numeric(got), as.numeric(shown$n)))
  released <- res[!is.na(res$`count(*)`), ]
  check(paste(what, "rows and values without org-c's part are incomplete"),
        nrow(released) == 14 && all(released$status == "incomplete") &&
          all(released$`count(*)_status` == "incomplete") &&
          all(released$`sum(amount)_status` == "incomplete"))
  w <- cell(res, 2019, "energy")
  check(paste(what, "the withheld cell stays withheld"),
        is.na(w$`count(*)`) && w$`count(*)_status` == "withheld" && w$status == "withheld")
}

pid_c <- jsonlite::fromJSON(file.path(node_dir("org-c"), "run", "endpoints.json"))$pid
tools::pskill(pid_c, tools::SIGSTOP)
run <- with_warnings(vb_query(con, sql, purpose, legal_basis, deadline_ms = 1000))
check_partial("org-c hanging:", run, "timed_out")
e <- expect_error_class("require_complete with org-c hanging",
                        vb_query(con, sql, purpose, legal_basis, deadline_ms = 1000,
                                 require_complete = TRUE), "verbind_incomplete")
check("... carries the coverage and the partial result",
      identical(e$missing, "org-c") && is.data.frame(e$result) && nrow(e$result) == 15 &&
        identical(attr(e$result, "status"), "partial") &&
        grepl("org-c: timed_out", conditionMessage(e)))
tools::pskill(pid_c, tools::SIGCONT)

tools::pskill(pid_c, tools::SIGTERM)
for (i in 1:100) {
  if (!file.exists(file.path("/proc", pid_c))) break
  Sys.sleep(0.05)
}
check("org-c has stopped", !file.exists(file.path("/proc", pid_c)))
run <- with_warnings(vb_query(con, sql, purpose, legal_basis))
check_partial("org-c stopped:", run, "unreachable")
e <- expect_error_class("require_complete with org-c stopped",
                        vb_query(con, sql, purpose, legal_basis, require_complete = TRUE),
                        "verbind_incomplete")
e <- expect_error_class("connecting to the stopped org-c", vb_connect(node_dir("org-c")),
                        "verbind_not_running")
finish()
