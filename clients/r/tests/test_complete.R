# A complete federated run over three nodes, exact values against the ingested records; a run
# over some peers; a local run; the ways to connect.
source(file.path(Sys.getenv("VB_TESTS"), "helpers.R"))
sql <- "SELECT year, scheme, count(*), sum(amount), avg(amount) FROM grants GROUP BY year, scheme"

con <- vb_connect(node_dir("org-a"))
check("org-a's API is HTTPS with a pinned key", startsWith(con$url, "https://") &&
        startsWith(con$pin, "sha256//"))
res <- vb_query(con, sql, purpose, legal_basis)
want <- expected_cells(c("org-a", "org-b", "org-c"))
check("a data frame with keys, values and statuses",
      is.data.frame(res) && identical(names(res), c(
        "year", "scheme", "count(*)", "sum(amount)", "avg(amount)", "status",
        "count(*)_status", "sum(amount)_status", "avg(amount)_status")))
check("every declared key is a row (5 years x 3 schemes)", nrow(res) == 15 &&
        setequal(paste(res$year, res$scheme),
                 paste(rep(2019:2023, 3), rep(c("culture", "sport", "energy"), each = 5))))
check("group keys keep their types", is.integer(res$year) && is.character(res$scheme))
check("status attribute is complete", identical(attr(res, "status"), "complete"))
cov <- attr(res, "coverage")
check("coverage lists the three organisations as answered",
      is.data.frame(cov) && setequal(cov$org_id, c("org-a", "org-b", "org-c")) &&
        all(cov$status == "answered") &&
        identical(names(cov), c("org_id", "status", "code", "message", "latency_ms")) &&
        is.numeric(cov$latency_ms))
check("protection: a threshold of 5 at every node",
      all(vapply(attr(res, "protection")$nodes, function(p) p$method == "threshold" &&
                   p$min_cell_size == 5, TRUE)) && length(attr(res, "protection")$nodes) == 3)
check("query_id is 32 hex digits", grepl("^[0-9a-f]{32}$", attr(res, "query_id")))

raw <- verbind:::vb_call(con, "POST", "v1/queries", list(query = sql, purpose = purpose,
                                                          legal_basis = legal_basis))
check("the node itself sends every row's status and value statuses (the result contract)",
      all(vapply(raw$result$rows, function(r) is.character(r$status) &&
                   length(r$value_status) == 3 && all(vapply(r$value_status, is.character, TRUE)),
                 TRUE)))

shown <- want[!want$withheld, ]
got <- mapply(function(y, s) cell(res, y, s)$`count(*)`, shown$year, shown$scheme)
check("counts equal the records' counts exactly", identical(as.numeric(got), as.numeric(shown$n)))
got <- mapply(function(y, s) cell(res, y, s)$`sum(amount)`, shown$year, shown$scheme)
check("sums equal the records' sums (decimal text to number)",
      is.numeric(got) && all(abs(got - shown$cents / 100) < 1e-6))
got <- mapply(function(y, s) cell(res, y, s)$`avg(amount)`, shown$year, shown$scheme)
check("means equal the records' means", all(abs(got - shown$cents / 100 / shown$n) < 1e-9))
ok_rows <- res[paste(res$year, res$scheme) %in% paste(shown$year, shown$scheme), ]
check("released rows are complete, and so is each of their values",
      all(ok_rows$status == "complete") && all(ok_rows$`count(*)_status` == "complete") &&
        all(ok_rows$`avg(amount)_status` == "complete"))
held <- want[want$withheld, ]
check("the fixture has exactly one withheld cell (org-b: 2 energy grants in 2019)",
      nrow(held) == 1 && held$year == 2019 && held$scheme == "energy")
w <- cell(res, 2019, "energy")
check("a withheld cell is NA with status withheld",
      is.na(w$`count(*)`) && is.na(w$`sum(amount)`) && w$status == "withheld" &&
        w$`count(*)_status` == "withheld" && w$`sum(amount)_status` == "withheld")
zero <- cell(res, 2023, "sport")
check("a cell one organisation has no records of is not withheld (zero is shown)",
      zero$status == "complete" &&
        zero$`count(*)` == want$n[want$year == 2023 & want$scheme == "sport"])

res <- vb_query(con, paste("SELECT scheme, count(*) AS grants FROM grants WHERE year >= 2022",
                           "GROUP BY scheme"),
                purpose, legal_basis, peers = "org-b")
check("peers = one organisation: that peer and this node answer",
      setequal(attr(res, "coverage")$org_id, c("org-a", "org-b")))
ab <- expected_cells(c("org-a", "org-b"))
check("an alias names the column, with its status column",
      all(c("grants", "grants_status") %in% names(res)))
check("their counts are org-a's and org-b's records",
      all(vapply(c("culture", "sport", "energy"), function(s)
        res$grants[res$scheme == s] == sum(ab$n[ab$scheme == s & ab$year >= 2022]), TRUE)))

con_b <- vb_connect(node_dir("org-b"))
check("org-b's API is plain HTTP on loopback",
      startsWith(con_b$url, "http://") && is.null(con_b$pin))
res <- vb_query(con_b, "SELECT year, count(*) FROM grants GROUP BY year", purpose, legal_basis,
                local = TRUE, deadline_ms = 3000)
b <- expected_cells("org-b")
check("a local run is answered by this node alone",
      identical(attr(res, "coverage")$org_id, "org-b") && attr(res, "status") == "complete")
check("its counts are this node's own records",
      identical(as.numeric(res$`count(*)`[res$year == 2021]), sum(b$n[b$year == 2021])))

analyst <- vb_connect(node_dir("org-a"), token = Sys.getenv("VB_ANALYST_TOKEN"))
check("an analyst token can query", nrow(vb_query(analyst, sql, purpose, legal_basis)) == 15)
Sys.setenv(VERBIND_TOKEN = Sys.getenv("VB_ANALYST_TOKEN"))
endpoints <- jsonlite::fromJSON(file.path(node_dir("org-a"), "run", "endpoints.json"))
by_url <- vb_connect(endpoints$api_url, cert = file.path(node_dir("org-a"), "keys", "tls.crt"))
Sys.unsetenv("VERBIND_TOKEN")
check("a URL, VERBIND_TOKEN and the node's certificate connect",
      identical(by_url$token, Sys.getenv("VB_ANALYST_TOKEN")) &&
        nrow(vb_query(by_url, sql, purpose, legal_basis)) == 15)
finish()
