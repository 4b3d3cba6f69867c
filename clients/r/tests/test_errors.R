# Every failure is a classed verbind_api_error with the node's message: SQL errors with their
# position, bad tokens, denials, nodes that are not running, TLS, timeouts; and (from answers
# made up here) 403, 429 and bodies that are not the API's.
source(file.path(Sys.getenv("VB_TESTS"), "helpers.R"))
con <- vb_connect(node_dir("org-a"))
count_sql <- "SELECT count(*) FROM grants"

e <- expect_error_class("SQL with a typo", vb_query(con, "SELECT count(*) FORM grants", purpose,
                                                    legal_basis), "verbind_sql_error")
check("the SQL error has the line, column and the caret line",
      e$line == 1 && e$column == 17 && e$http_status == 400 && e$code == "invalid_argument" &&
        grepl("expected FROM, found 'FORM'\nSELECT count(*) FORM grants\n                ^",
              conditionMessage(e), fixed = TRUE))
e <- expect_error_class("a bad token", vb_query(vb_connect(node_dir("org-a"), token = "vbt_wrong"),
                                                count_sql, purpose, legal_basis),
                        "verbind_unauthenticated")
check("401 with the node's code and trace id", e$http_status == 401 &&
        e$code == "unauthenticated" && grepl("^[0-9a-f]{32}$", e$trace_id))
e <- expect_error_class("an unknown peer", vb_query(con, count_sql, purpose, legal_basis,
                                                    peers = c("org-b", "org-z")),
                        "verbind_invalid_request")
check("a 400 that is not SQL names what is wrong", e$http_status == 400 &&
        grepl("org-z", conditionMessage(e)))
e <- expect_error_class("a purpose no policy accepts",
                        vb_query(con, count_sql, "fraud-hunt", legal_basis), "verbind_denied")
check("a denial is a failed run with every organisation's reason",
      inherits(e, "verbind_query_failed") && nrow(e$coverage) == 3 &&
        all(e$coverage$status == "denied") && e$code == "denied" &&
        grepl("org-b: denied (no sharing policy allows this query", conditionMessage(e),
              fixed = TRUE) && grepl("^[0-9a-f]{32}$", e$query_id))
e <- expect_error_class("a field no policy allows",
                        vb_query(con, "SELECT sum(year) FROM grants", purpose, legal_basis),
                        "verbind_query_failed")
check("... names the aggregate",
      grepl("does not allow sum(year)", conditionMessage(e), fixed = TRUE))

e <- expect_error_class("a folder that does not exist", vb_connect(file.path(work, "nowhere")),
                        "verbind_not_running")
idle <- file.path(work, "idle")
dir.create(idle)
e <- expect_error_class("a node folder without a running node", vb_connect(idle),
                        "verbind_not_running")
check("... says how to start it", grepl("verbind serve", conditionMessage(e)))
dir.create(file.path(idle, "run"))
writeLines('{"api_url":"http://127.0.0.1:1","pid":1}', file.path(idle, "run", "endpoints.json"))
writeLines("vbt_token", file.path(idle, "run", "cli.token"))
e <- expect_error_class("a stale run/endpoints.json (nothing listens)", vb_connect(idle),
                        "verbind_not_running")
e <- expect_error_class("a URL where nothing listens",
                        vb_connect("http://127.0.0.1:1", token = "t"), "verbind_unreachable")
e <- expect_error_class("a URL without a token", vb_connect("http://127.0.0.1:1"),
                        "verbind_no_token")

url_a <- jsonlite::fromJSON(file.path(node_dir("org-a"), "run", "endpoints.json"))$api_url
e <- expect_error_class("HTTPS with a self-signed certificate and no pin",
                        vb_connect(url_a, token = "t"), "verbind_tls")
e <- expect_error_class("HTTPS pinned to another node's certificate",
                        vb_connect(url_a, token = "t",
                                   cert = file.path(node_dir("org-b"), "keys", "tls.crt")),
                        "verbind_tls")
check("... says the key does not match", grepl("pinned", conditionMessage(e)))

# A node that is stopped (SIGSTOP) accepts connections but never answers.
pid_c <- jsonlite::fromJSON(file.path(node_dir("org-c"), "run", "endpoints.json"))$pid
tools::pskill(pid_c, tools::SIGSTOP)
started <- Sys.time()
e <- expect_error_class("a node that does not answer in time",
                        vb_connect(node_dir("org-c"), timeout = 1), "verbind_timeout")
tools::pskill(pid_c, tools::SIGCONT)
check("... after the timeout, not later", difftime(Sys.time(), started, units = "secs") < 5)

# Answers no test node gives, made up with httr2's mocking.
answer <- function(status, body, type = "application/json", headers = list()) {
  function(req) httr2::response(status, url = req$url, method = "POST", body = charToRaw(body),
                                headers = c(list(`Content-Type` = type), headers))
}
error_body <- function(code, message) {
  sprintf('{"code":"%s","message":"%s","trace_id":"0123"}', code, message)
}
mocked <- function(resp) httr2::with_mock(resp, vb_query(con, count_sql, purpose, legal_basis))
e <- expect_error_class("403", mocked(answer(403, error_body("permission_denied", "owners only"))),
                        "verbind_forbidden")
check("... with the node's message and code",
      grepl("owners only [permission_denied, HTTP 403]", conditionMessage(e), fixed = TRUE))
e <- expect_error_class("429", mocked(answer(429, error_body("resource_exhausted", "slow down"),
                                             headers = list(`Retry-After` = "3"))),
                        "verbind_rate_limited")
check("... with Retry-After", identical(e$retry_after, 3))
e <- expect_error_class("504", mocked(answer(504, error_body("deadline_exceeded", "too slow"))),
                        "verbind_timeout")
e <- expect_error_class("an HTML error page",
                        mocked(answer(502, "<html>bad gateway</html>", "text/html")),
                        "verbind_unexpected_response")
e <- expect_error_class("a 200 that is not JSON", mocked(answer(200, "hello", "text/plain")),
                        "verbind_unexpected_response")
e <- expect_error_class("a JSON answer without a run status",
                        mocked(answer(200, '{"datasets":[]}')), "verbind_unexpected_response")
e <- expect_error_class("an unknown value status", mocked(answer(200, paste0(
  '{"status":"complete","state":"done","query_id":"q","coverage":[],"result":{"columns":',
  '[{"name":"count(*)","role":"aggregate"}],"rows":[{"key":[],"values":[1],',
  '"status":"complete","value_status":["fine"]}]}}'))), "verbind_unexpected_response")

check("missing purpose is an R error before anything is sent",
      inherits(condition_of(vb_query(con, count_sql, legal_basis = legal_basis)), "error"))
finish()
