# A run's result (columns, rows of keys and values with their statuses) as a data frame.

kStatuses <- c("complete", "incomplete", "withheld")

# result: the parsed "result" object, whose rows carry "status" and "value_status"
# (docs/query.md, section 5).
result_frame <- function(result) {
  columns <- result$columns
  rows <- result$rows
  names <- vapply(columns, function(c) as.character(c$name), "")
  is_group <- vapply(columns, function(c) identical(c$role, "group"), TRUE)
  for (r in rows) {
    if (length(r$key) != sum(is_group) || length(r$values) != sum(!is_group)) {
      vb_abort("unexpected_response", "a result row does not match the result's columns")
    }
  }
  value_status <- lapply(rows, row_value_status, n = sum(!is_group))
  frame <- data.frame(row.names = seq_along(rows))
  for (j in which(is_group)) {
    frame[[names[j]]] <- column_vector(lapply(rows, function(r) r$key[[sum(is_group[1:j])]]),
                                       numeric_text = FALSE)
  }
  for (j in which(!is_group)) {
    frame[[names[j]]] <- column_vector(lapply(rows, function(r) r$values[[sum(!is_group[1:j])]]),
                                       numeric_text = TRUE)
  }
  status_column <- if ("status" %in% names) ".status" else "status"
  frame[[status_column]] <- vapply(rows, row_status, "")
  for (a in seq_len(sum(!is_group))) {
    frame[[paste0(names[!is_group][a], "_status")]] <- vapply(value_status, function(s) s[[a]], "")
  }
  frame
}

# The n value statuses of a row, as the node sends them.
row_value_status <- function(row, n) {
  sent <- row$value_status
  if (is.null(sent) || length(sent) != n) {
    vb_abort("unexpected_response", "a result row's value_status does not match its values")
  }
  status <- vapply(sent, function(s) if (is.character(s) && length(s) == 1) s else NA_character_,
                   "")
  if (!all(status %in% kStatuses)) {
    vb_abort("unexpected_response", sprintf("unknown value status: %s",
                                            paste(unique(status[!status %in% kStatuses]),
                                                  collapse = ", ")))
  }
  status
}

# The row's status, as the node sends it.
row_status <- function(row) {
  if (!is.character(row$status) || length(row$status) != 1 || !row$status %in% kStatuses) {
    vb_abort("unexpected_response", "a result row has no valid status")
  }
  row$status
}

# A column from one JSON value per row: an atomic vector when every value is a scalar (NULL
# becomes NA; with numeric_text, decimal text such as "1234.50" becomes a number), else a list
# column (histograms, quantiles, regressions).
column_vector <- function(values, numeric_text) {
  scalar <- vapply(values, function(v) is.null(v) || (is.atomic(v) && length(v) == 1), TRUE)
  if (!all(scalar)) return(I(values))
  present <- !vapply(values, is.null, TRUE)
  if (!any(present)) return(rep(NA, length(values)))
  out <- unlist(lapply(values, function(v) if (is.null(v)) NA else v))
  if (numeric_text && is.character(out) &&
      all(grepl("^-?[0-9]+(\\.[0-9]+)?$", out[present]))) {
    out <- as.numeric(out)
  }
  out
}
