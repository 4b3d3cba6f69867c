# Classed conditions for every way a call to a node can fail, and the mapping from HTTP answers
# and transport failures to them.

#' Errors raised by the verbind client
#'
#' Every failure is an error condition of class `verbind_api_error` with a more precise class
#' first, so callers can handle one kind with `tryCatch(..., verbind_unauthenticated = ...)`:
#'
#' | class | when |
#' |---|---|
#' | `verbind_not_running` | no node folder or `run/endpoints.json`, or nothing answers there |
#' | `verbind_no_token` | no token given and `run/cli.token` cannot be read |
#' | `verbind_unreachable` | a URL that does not answer (connection refused, unknown host) |
#' | `verbind_tls` | the TLS handshake failed: not the pinned key, an untrusted certificate |
#' | `verbind_timeout` | no answer in time (client timeout, HTTP 408 or 504) |
#' | `verbind_unauthenticated` | HTTP 401: the token is not valid |
#' | `verbind_forbidden` | HTTP 403: the token's role may not do this |
#' | `verbind_sql_error` | HTTP 400: the SQL does not parse; `line`, `column`, a caret line |
#' | `verbind_invalid_request` | any other HTTP 400 (missing purpose, unknown peer, ...) |
#' | `verbind_not_found` | HTTP 404 |
#' | `verbind_rate_limited` | HTTP 429; `retry_after` in seconds when the node sent one |
#' | `verbind_server_error` | HTTP 5xx (other than 504) and other unexpected HTTP statuses |
#' | `verbind_unexpected_response` | a body that is not the JSON the API documents |
#' | `verbind_query_failed` | the run has status "failed": no result; `coverage` says why |
#' | `verbind_denied` | (also `verbind_query_failed`) every organisation refused the query |
#' | `verbind_incomplete` | `require_complete = TRUE` and some organisation did not answer |
#'
#' Fields, when known: `message`, `code` (the API's error code), `http_status`, `trace_id`
#' (also in the node's audit log), `line` and `column` (SQL errors), `coverage` and `query_id`
#' (query outcomes), `result` (`verbind_incomplete`: the partial data frame).
#' @name verbind_errors
NULL

# Builds a condition of class verbind_<kind> for each kind given (then verbind_api_error, error,
# condition).
vb_error <- function(kind, message, ..., call = NULL) {
  structure(
    class = c(paste0("verbind_", kind), "verbind_api_error", "error", "condition"),
    list(message = message, call = call, ...)
  )
}

# Raises the error vb_error() builds.
vb_abort <- function(kind, message, ...) {
  stop(vb_error(kind, message, ...))
}

# The error a response with status >= 400 describes, like the command line: the node's message,
# then "[code, HTTP n]".
http_error <- function(resp) {
  status <- httr2::resp_status(resp)
  text <- tryCatch(httr2::resp_body_string(resp), error = function(e) "")
  body <- tryCatch(jsonlite::fromJSON(text, simplifyVector = FALSE), error = function(e) NULL)
  if (!is.list(body) || !is.character(body$message) || !is.character(body$code)) {
    return(vb_error("unexpected_response",
                    sprintf("the node answered HTTP %d without an error body: %s", status,
                            substr(text, 1, 200)),
                    http_status = status, body = text))
  }
  message <- sprintf("%s [%s, HTTP %d]", body$message, body$code, status)
  fields <- list(code = body$code, http_status = status, trace_id = body$trace_id)
  kind <- http_error_kind(status)
  position <- regmatches(body$message, regexec("^line ([0-9]+), column ([0-9]+): ", body$message))
  if (status == 400 && length(position[[1]]) == 3) {
    kind <- "sql_error"
    message <- sprintf("the node cannot parse the query [%s, HTTP %d]:\n%s", body$code, status,
                       body$message)
    fields$line <- as.integer(position[[1]][2])
    fields$column <- as.integer(position[[1]][3])
  }
  if (status == 429) {
    fields$retry_after <- suppressWarnings(as.numeric(httr2::resp_header(resp, "Retry-After")))
  }
  do.call(vb_error, c(list(kind, message), fields))
}

http_error_kind <- function(status) {
  switch(as.character(status),
         "400" = "invalid_request",
         "401" = "unauthenticated",
         "403" = "forbidden",
         "404" = "not_found",
         "408" = "timeout",
         "429" = "rate_limited",
         "504" = "timeout",
         "server_error")
}

# The error a failed transfer (no HTTP answer at all) describes. curl reports these only as
# text, so the kind is read from its message.
transport_error <- function(err, con) {
  text <- conditionMessage(err)
  where <- if (is.null(con$node_dir)) con$url else sprintf("%s (node %s)", con$url, con$node_dir)
  if (grepl("Timeout was reached|timed out", text, ignore.case = TRUE)) {
    return(vb_error("timeout", sprintf("no answer from %s within %g s: %s", where, con$timeout,
                                       text)))
  }
  if (grepl("SSL|TLS|certificate|pinned", text)) {
    return(vb_error("tls", sprintf("TLS with %s failed: %s", where, text)))
  }
  if (!is.null(con$node_dir) && grepl("connect|refused", text, ignore.case = TRUE)) {
    return(vb_error("not_running", sprintf(
      "the node in %s is not answering at %s (stopped? start it with: verbind serve %s): %s",
      con$node_dir, con$url, con$node_dir, text)))
  }
  vb_error("unreachable", sprintf("cannot reach %s: %s", where, text))
}
