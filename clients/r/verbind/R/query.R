# vb_query: one federated or local run, its outcome checked, its result as a data frame.

#' Run a federated (or local) aggregate query
#'
#' Sends `POST /v1/queries`: the node signs the query, asks every selected organisation (and
#' itself), checks and adds up their protected answers. See the project's docs/query.md for
#' the SQL subset and docs/federation.md for runs and coverage.
#'
#' The result has one row per group (every declared key is listed, also those without
#' records) with these columns:
#'
#' * the group-by fields, in GROUP BY order (labels as text, integers, logicals; `NA` for a
#'   NULL group);
#' * the aggregates, named as the node names them (`count(*)`, `avg(amount)`, or the alias
#'   given with `AS`): numbers (decimal sums, sent as exact text, become doubles); histograms,
#'   quantiles and regressions are list columns;
#' * `status`: the row's status: `"withheld"` when any of its values is withheld, else
#'   `"incomplete"` when any is incomplete, else `"complete"`;
#' * `<aggregate>_status` for every aggregate, e.g. `count(*)_status`, one value's status:
#'   `"complete"` (every organisation asked answered and its part is in it),
#'   `"incomplete"` (some organisation did not answer: the value covers the others only; in a
#'   partial run every value that is not withheld is incomplete) or `"withheld"` (`NA`: some
#'   organisation had fewer records behind it than its threshold, for data marked
#'   non-personal).
#'
#' If a group-by field or alias is itself called `status`, the row status column is `.status`.
#'
#' Nodes that send no row statuses (older versions) get them derived from the run: values the
#' node marks withheld are `"withheld"`, the others `"incomplete"` in a partial run and
#' `"complete"` otherwise; a row is `"withheld"` when any of its values is.
#'
#' Attributes (lost when the frame is subset; copy them first):
#' `status` (`"complete"` or `"partial"`; a failed run is an error), `coverage` (a data frame
#' with one row per organisation: `org_id`, `status` (`answered`, `denied`, `refused`,
#' `timed_out`, `unreachable`, `invalid_answer`), `code`, `message`, `latency_ms`),
#' `protection` (per answering organisation, how it protected its part: differential privacy
#' with its epsilon and noise scales, or a threshold), `query_id` (in every node's audit log and
#' the receipt) and `run_id`.
#'
#' A partial run never passes silently: it raises a warning of class `verbind_partial` naming
#' each organisation that did not answer and why (its fields `missing` and `coverage`), or,
#' with `require_complete = TRUE`, an error of class `verbind_incomplete` (with `result`, the
#' partial data frame). A failed run (no result) is an error of class `verbind_query_failed`
#' (also `verbind_denied` when every organisation refused). Other errors: see
#' [verbind_errors].
#'
#' @param con A connection from [vb_connect()].
#' @param sql The query, e.g. `"SELECT year, count(*) FROM grants GROUP BY year"`.
#' @param purpose The processing activity the query serves; the sharing policies must accept it.
#' @param legal_basis The legal basis; the policies must accept it word for word.
#' @param peers `"all"` (every active peer) or a character vector of organisation ids.
#' @param local `TRUE` to ask only this node's own data (protected like a peer's answer).
#' @param deadline_ms The run's deadline in milliseconds (10 to 600000); `NULL`: the node's
#'   default (5000). Organisations that have not answered by then count as `timed_out`.
#' @param require_complete `TRUE` to make a partial run an error instead of a warning.
#' @return A data frame with the attributes described above.
#' @examples
#' \dontrun{
#' con <- vb_connect("/srv/verbind/node")
#' counts <- vb_query(con, "SELECT year, scheme, count(*) FROM grants GROUP BY year, scheme",
#'                    purpose = "subsidy-monitor", legal_basis = "Awb art. 4:23")
#' attr(counts, "coverage")
#' }
#' @export
vb_query <- function(con, sql, purpose, legal_basis, peers = "all", local = FALSE,
                     deadline_ms = NULL, require_complete = FALSE) {
  check_query_args(con, sql, purpose, legal_basis, peers, local, deadline_ms, require_complete)
  body <- list(query = sql, purpose = purpose, legal_basis = legal_basis, local = local,
               peers = if (identical(peers, "all")) "all" else I(as.character(peers)))
  if (!is.null(deadline_ms)) body$deadline_ms <- as.integer(deadline_ms)
  timeout <- max(con$timeout, (if (is.null(deadline_ms)) 5000 else deadline_ms) / 1000 + 10)
  run <- vb_call(con, "POST", "v1/queries", body, timeout = timeout)
  outcome <- run_outcome(run)
  if (outcome$status == "failed") stop(failed_run_error(run, outcome$coverage))
  frame <- result_frame(run$result)
  attr(frame, "status") <- outcome$status
  attr(frame, "coverage") <- outcome$coverage
  attr(frame, "protection") <- run$protection
  attr(frame, "query_id") <- run$query_id
  attr(frame, "run_id") <- run$id
  if (outcome$status == "partial") signal_partial(frame, outcome$coverage, require_complete)
  frame
}

check_query_args <- function(con, sql, purpose, legal_basis, peers, local, deadline_ms,
                             require_complete) {
  is_text <- function(x) is.character(x) && length(x) == 1 && !is.na(x) && nzchar(x)
  is_flag <- function(x) is.logical(x) && length(x) == 1 && !is.na(x)
  if (!inherits(con, "verbind_connection")) stop("con must come from vb_connect()")
  if (!is_text(sql)) stop("sql must be one non-empty string")
  if (!is_text(purpose) || !is_text(legal_basis)) {
    stop("purpose and legal_basis are required (one non-empty string each)")
  }
  if (!is.character(peers) || length(peers) == 0 || anyNA(peers)) {
    stop("peers must be \"all\" or a character vector of organisation ids")
  }
  if (!is_flag(local) || !is_flag(require_complete)) {
    stop("local and require_complete must be TRUE or FALSE")
  }
  if (!is.null(deadline_ms) &&
      !(is.numeric(deadline_ms) && length(deadline_ms) == 1 && deadline_ms >= 10 &&
        deadline_ms <= 600000)) {
    stop("deadline_ms must be NULL or a number of milliseconds from 10 to 600000")
  }
}

# The run's status and coverage, checked against the documented shape.
run_outcome <- function(run) {
  status <- run$status
  if (!is.character(status) || length(status) != 1 ||
      !status %in% c("complete", "partial", "failed") || !is.list(run$coverage)) {
    vb_abort("unexpected_response",
             "the node's answer has no run status and coverage (is this a Verbind node?)",
             body = run)
  }
  if (status != "failed" && (!is.list(run$result) || !is.list(run$result$columns) ||
                             !is.list(run$result$rows))) {
    vb_abort("unexpected_response", sprintf("a %s run without a result", status), body = run)
  }
  list(status = status, coverage = coverage_frame(run$coverage))
}

coverage_frame <- function(coverage) {
  field <- function(name, empty) {
    vapply(coverage, function(p) {
      v <- p[[name]]
      if (is.null(v)) empty else if (is.character(empty)) as.character(v) else as.numeric(v)
    }, empty)
  }
  data.frame(org_id = field("org_id", NA_character_), status = field("status", NA_character_),
             code = field("code", NA_character_), message = field("message", NA_character_),
             latency_ms = field("latency_ms", NA_real_), stringsAsFactors = FALSE)
}

# "org-b: unreachable (connection refused)" for every organisation that did not answer.
describe_missing <- function(coverage) {
  missing <- coverage[coverage$status != "answered", , drop = FALSE]
  reason <- ifelse(is.na(missing$message), "", paste0(" (", missing$message, ")"))
  paste0("  ", missing$org_id, ": ", missing$status, reason, collapse = "\n")
}

failed_run_error <- function(run, coverage) {
  all_denied <- nrow(coverage) > 0 && all(coverage$status == "denied")
  kind <- if (all_denied) c("denied", "query_failed") else "query_failed"
  message <- sprintf("the query failed: %s\n%s",
                     if (is.character(run$error)) run$error else "no organisation answered",
                     describe_missing(coverage))
  vb_error(kind, message, coverage = coverage, query_id = run$query_id,
           code = if (all_denied) coverage$code[1] else NA_character_)
}

signal_partial <- function(frame, coverage, require_complete) {
  missing <- coverage$org_id[coverage$status != "answered"]
  text <- sprintf(paste("partial result: %d of %d organisations did not answer;",
                        "rows without their part are marked \"incomplete\":\n%s"),
                  length(missing), nrow(coverage), describe_missing(coverage))
  if (require_complete) {
    vb_abort("incomplete", text, coverage = coverage, missing = missing,
             query_id = attr(frame, "query_id"), result = frame)
  }
  warning(structure(class = c("verbind_partial", "warning", "condition"),
                    list(message = text, call = NULL, missing = missing, coverage = coverage)))
}
