# How answers in the result contract become data frames, from answers made up here: row and
# value statuses as the node sends them (strings), rows without them refused, NULL keys, list
# columns, exact decimal and big-integer text, no rows.
source(file.path(Sys.getenv("VB_TESTS"), "helpers.R"))
con <- vb_connect(node_dir("org-a"))

# vb_query's answer when the node sends RUN (an R list, sent as JSON), and its warnings.
ask <- function(run) {
  body <- charToRaw(as.character(jsonlite::toJSON(run, auto_unbox = TRUE, null = "null")))
  mock <- function(req) {
    httr2::response(200, url = req$url, method = "POST", body = body,
                    headers = list(`Content-Type` = "application/json"))
  }
  warnings <- list()
  value <- withCallingHandlers(
    httr2::with_mock(mock, vb_query(con, "SELECT 1", purpose, legal_basis)),
    warning = function(w) {
      warnings[[length(warnings) + 1]] <<- w
      invokeRestart("muffleWarning")
    })
  list(frame = value, warnings = warnings)
}
columns <- list(list(name = "region", role = "group"),
                list(name = "count(*)", role = "aggregate", `function` = "count"),
                list(name = "sum(amount)", role = "aggregate", `function` = "sum"))
coverage <- list(list(org_id = "org-a", status = "answered", latency_ms = 3.5),
                 list(org_id = "org-b", status = "unreachable", code = "unreachable",
                      message = "connection refused", latency_ms = 1))
run <- function(status, rows, cov = coverage) {
  list(id = "r1", query_id = "q1", state = "done", status = status, coverage = cov,
       protection = list(nodes = list()), result = list(columns = columns, rows = rows))
}

got <- ask(run("partial", list(
  list(key = list("Noord"), values = list(12, "1234.50"), status = "incomplete",
       value_status = list("incomplete", "incomplete")),
  list(key = list("Oost"), values = list(7, NULL), status = "withheld",
       value_status = list("incomplete", "withheld")),
  list(key = list(NULL), values = list(0, "98765432109876543210.25"), status = "complete",
       value_status = list("complete", "complete")))))
f <- got$frame
check("the node's row statuses are kept",
      identical(f$status, c("incomplete", "withheld", "complete")))
check("the node's value statuses are kept",
      identical(f$`count(*)_status`, c("incomplete", "incomplete", "complete")) &&
        identical(f$`sum(amount)_status`, c("incomplete", "withheld", "complete")))
check("a withheld value is NA, a NULL key NA", is.na(f$`sum(amount)`[2]) && is.na(f$region[3]))
check("decimal text becomes a number, also past 64 bits",
      f$`sum(amount)`[1] == 1234.5 && abs(f$`sum(amount)`[3] / 9.876543210987654e19 - 1) < 1e-12)
check("the partial run warns, naming org-b and its reason", length(got$warnings) == 1 &&
        grepl("org-b: unreachable (connection refused)", conditionMessage(got$warnings[[1]]),
              fixed = TRUE))
check("coverage keeps code and message, NA where absent",
      identical(attr(f, "coverage")$code, c(NA, "unreachable")) &&
        identical(attr(f, "coverage")$latency_ms, c(3.5, 1)))

all_answered <- coverage[1]
e <- expect_error_class("a row without statuses",
                        ask(run("complete", list(list(key = list("Noord"), values = list(12, "10.00"))),
                                all_answered)), "verbind_unexpected_response")

e <- expect_error_class("a row with fewer values than columns",
                        ask(run("complete", list(list(key = list("Noord"), values = list(1))),
                                all_answered)), "verbind_unexpected_response")

columns <- list(list(name = "h", role = "aggregate", `function` = "histogram"))
got <- ask(run("complete", list(list(key = list(), values = list(
  list(lo = 0, hi = 10, bins = list(1, 2), below = 0, above = 0)), status = "complete",
  value_status = list("complete"))), all_answered))
check("a histogram is a list column", is.list(got$frame$h) && got$frame$h[[1]]$bins[[2]] == 2)
got <- ask(run("complete", list(), all_answered))
check("no rows: an empty frame with the columns",
      nrow(got$frame) == 0 && identical(names(got$frame), c("h", "status", "h_status")))
finish()
