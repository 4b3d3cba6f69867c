# Connections to a node's local API: from a node folder (like the command line's --node) or
# from a URL and a token, and the one function that sends a request and checks the answer.

#' Connect to a Verbind node
#'
#' With a node folder, reads the API address from `DIR/run/endpoints.json` (written by a
#' running `verbind serve DIR`) and the token from `token`, else the `VERBIND_TOKEN`
#' environment variable, else `DIR/run/cli.token` (the admin token the running node writes for
#' its own machine; readable by the node's user only). When the API is served over HTTPS
#' (`api.tls = true`), the connection trusts exactly the node's own certificate (`[peer]
#' tls_cert` in `DIR/verbind.toml`, or `VERBIND_PEER_TLS_CERT`): its public key is pinned and
#' no certificate authority is consulted, as the command line does.
#'
#' With a URL (`http://` or `https://`), `token` (or `VERBIND_TOKEN`) is required. An
#' `https://` URL is verified against the system's certificate authorities, or, with
#' `cert = "node.crt"`, against exactly that certificate's public key.
#'
#' The node is asked `GET /healthz` once, so a node that is not running fails here.
#'
#' @param node_dir_or_url A node folder, or the local API's URL.
#' @param token An API token (an analyst token is enough to query); `NULL` to use
#'   `VERBIND_TOKEN` or the node folder's `run/cli.token`.
#' @param cert With a URL: a PEM certificate file whose public key the server must present.
#' @param timeout Seconds to wait for any answer (a query waits at least its deadline plus 10 s).
#' @return A `verbind_connection` (a list with `url`, `node_dir`, `timeout`; the token is not
#'   printed).
#' @examples
#' \dontrun{
#' con <- vb_connect("/srv/verbind/node")
#' con <- vb_connect("http://127.0.0.1:7080", token = Sys.getenv("VERBIND_TOKEN"))
#' }
#' @export
vb_connect <- function(node_dir_or_url, token = NULL, cert = NULL, timeout = 60) {
  stopifnot(is.character(node_dir_or_url), length(node_dir_or_url) == 1,
            is.null(token) || (is.character(token) && length(token) == 1),
            is.numeric(timeout), timeout > 0)
  if (is.null(token) && nzchar(Sys.getenv("VERBIND_TOKEN"))) token <- Sys.getenv("VERBIND_TOKEN")
  con <- if (grepl("^https?://", node_dir_or_url)) {
    connection_to_url(node_dir_or_url, token, cert)
  } else {
    connection_to_folder(path.expand(node_dir_or_url), token)
  }
  con$timeout <- timeout
  resp <- vb_perform(con, httr2::req_url_path_append(vb_request(con, auth = FALSE), "healthz"))
  if (httr2::resp_status(resp) >= 500) stop(http_error(resp))
  con
}

#' Print a connection: its URL, whether its TLS key is pinned, and its node folder (never the
#' token).
#'
#' @param x A `verbind_connection`.
#' @param ... Unused.
#' @return `x`, invisibly.
#' @export
print.verbind_connection <- function(x, ...) {
  cat("<verbind connection>", x$url, if (!is.null(x$pin)) "(TLS, pinned key)", "\n")
  if (!is.null(x$node_dir)) cat("  node folder:", x$node_dir, "\n")
  invisible(x)
}

new_connection <- function(url, token, pin = NULL, node_dir = NULL) {
  structure(list(url = sub("/+$", "", url), token = token, pin = pin, node_dir = node_dir),
            class = "verbind_connection")
}

connection_to_url <- function(url, token, cert) {
  if (is.null(token) || !nzchar(token)) {
    vb_abort("no_token", paste("a URL needs a token: vb_connect(url, token = ...) or set",
                               "VERBIND_TOKEN"))
  }
  pin <- if (is.null(cert)) NULL else public_key_pin(cert)
  new_connection(url, token, pin)
}

connection_to_folder <- function(dir, token) {
  if (!dir.exists(dir)) {
    vb_abort("not_running", sprintf("no node folder at %s", dir))
  }
  endpoints_file <- file.path(dir, "run", "endpoints.json")
  if (!file.exists(endpoints_file)) {
    vb_abort("not_running", sprintf(
      "the node in %s is not running (no run/endpoints.json); start it with: verbind serve %s",
      dir, dir))
  }
  endpoints <- tryCatch(jsonlite::fromJSON(endpoints_file), error = function(e) NULL)
  if (!is.list(endpoints) || !is.character(endpoints$api_url)) {
    vb_abort("not_running", sprintf("%s does not name an api_url", endpoints_file))
  }
  if (is.null(token)) token <- read_cli_token(dir)
  pin <- if (startsWith(endpoints$api_url, "https://")) public_key_pin(node_cert_path(dir))
  new_connection(endpoints$api_url, token, pin, node_dir = dir)
}

read_cli_token <- function(dir) {
  file <- file.path(dir, "run", "cli.token")
  token <- tryCatch(trimws(readLines(file, n = 1, warn = FALSE)), error = function(e) "",
                    warning = function(w) "")
  if (length(token) != 1 || !nzchar(token)) {
    vb_abort("no_token", sprintf(
      "cannot read %s (it is readable by the node's user only); pass token = or set VERBIND_TOKEN",
      file))
  }
  token
}

# The node's TLS certificate: [peer] tls_cert in verbind.toml (VERBIND_PEER_TLS_CERT overrides
# it, as for the node), relative to the node folder.
node_cert_path <- function(dir) {
  path <- Sys.getenv("VERBIND_PEER_TLS_CERT")
  if (!nzchar(path)) {
    lines <- readLines(file.path(dir, "verbind.toml"), warn = FALSE)
    sections <- cumsum(grepl("^\\s*\\[", lines))
    peer <- sections == sections[grepl("^\\s*\\[peer\\]", lines)][1]
    hit <- regmatches(lines, regexec("^\\s*tls_cert\\s*=\\s*\"([^\"]*)\"", lines))
    found <- vapply(hit, length, 0L) == 2 & peer
    path <- if (any(found, na.rm = TRUE)) hit[[which(found)[1]]][2] else "keys/tls.crt"
  }
  if (!startsWith(path, "/")) path <- file.path(dir, path)
  path
}

# curl's pin of a certificate's public key: sha256// and the base64 SHA-256 of its
# SubjectPublicKeyInfo.
public_key_pin <- function(cert_file) {
  cert <- tryCatch(openssl::read_cert(cert_file), error = function(e) {
    vb_abort("tls", sprintf("cannot read the certificate %s: %s", cert_file, conditionMessage(e)))
  })
  paste0("sha256//", openssl::base64_encode(openssl::sha256(openssl::write_der(cert$pubkey))))
}

# A request to the node with its token, timeout and TLS settings. Every HTTP status is
# returned to the caller (vb_call turns errors into conditions).
vb_request <- function(con, auth = TRUE, timeout = con$timeout) {
  req <- httr2::request(con$url)
  req <- httr2::req_user_agent(req, "verbind-r/0.1")
  req <- httr2::req_timeout(req, timeout)
  req <- httr2::req_error(req, is_error = function(resp) FALSE)
  # One attempt, reported at once (httr2 would otherwise sleep before giving up).
  req <- httr2::req_retry(req, max_tries = 1, backoff = function(attempt) 0)
  if (auth) req <- httr2::req_auth_bearer_token(req, con$token)
  if (!is.null(con$pin)) {
    # The certificate names the organisation, not this address: the pinned key replaces the
    # chain and host name checks, exactly as the command line pins the node's certificate.
    req <- httr2::req_options(req, ssl_verifypeer = 0L, ssl_verifyhost = 0L,
                              pinnedpublickey = con$pin)
  }
  req
}

vb_perform <- function(con, req) {
  tryCatch(httr2::req_perform(req), error = function(e) stop(transport_error(e, con)))
}

# Sends a JSON body to PATH and returns the parsed JSON answer; raises a verbind error for a
# failed transfer, an HTTP error or a body that is not a JSON object.
vb_call <- function(con, method, path, body = NULL, timeout = con$timeout) {
  req <- httr2::req_url_path_append(vb_request(con, timeout = timeout), path)
  req <- httr2::req_method(req, method)
  if (!is.null(body)) {
    req <- httr2::req_body_raw(req, jsonlite::toJSON(body, auto_unbox = TRUE, null = "null"),
                               type = "application/json")
  }
  resp <- vb_perform(con, req)
  if (httr2::resp_status(resp) >= 400) stop(http_error(resp))
  text <- httr2::resp_body_string(resp)
  parsed <- tryCatch(jsonlite::fromJSON(text, simplifyVector = FALSE), error = function(e) NULL)
  if (!is.list(parsed) || is.null(names(parsed))) {
    vb_abort("unexpected_response", sprintf("the node's answer to %s /%s is not a JSON object: %s",
                                            method, path, substr(text, 1, 200)),
             http_status = httr2::resp_status(resp), body = text)
  }
  parsed
}
