# The trend example queries org-a and writes its plot (a PNG, or a PDF without a PNG device).
source(file.path(Sys.getenv("VB_TESTS"), "helpers.R"))
out <- file.path(work, "trend.png")
log <- system2(file.path(R.home("bin"), "Rscript"),
               c(file.path(Sys.getenv("VB_EXAMPLES"), "trend.R"), node_dir("org-a"), out),
               stdout = TRUE, stderr = TRUE)
cat(paste0("       ", log, "\n"), sep = "")
check("the example exits with status 0", is.null(attr(log, "status")))
written <- if (capabilities("png")) out else sub("\\.png$", ".pdf", out)
magic <- if (capabilities("png")) as.raw(c(0x89, 0x50, 0x4e, 0x47)) else charToRaw("%PDF")
check(paste("it wrote", basename(written)), file.exists(written) &&
        file.size(written) > 5000 && identical(readBin(written, "raw", 4), magic))
check("the run was complete (no warning)", !any(grepl("partial", log)))
check("every month of the period grid was plotted, in order",
      any(grepl("^24 periods from 2023-01-01 to 2024-12-01, 3 series$", log)))

# The same monthly counts asked here equal the counts of the three organisations' records.
con <- vb_connect(node_dir("org-a"))
res <- vb_query(con, paste("SELECT date_trunc('month', start_date) AS month, scheme, count(*) AS n",
                           "FROM starts GROUP BY month, scheme"),
                "policy-monitor", "Participatiewet art. 47")
records <- do.call(rbind, lapply(c("org-a", "org-b", "org-c"), function(o) {
  read.csv(file.path(work, paste0(o, ".starts.csv")), colClasses = "character")
}))
expected <- table(paste0(substr(records$start_date, 1, 8), "01"), records$scheme)
got <- setNames(res$n, paste(res$month, res$scheme))
want <- setNames(as.vector(expected), paste(rep(rownames(expected), ncol(expected)),
                                            rep(colnames(expected), each = nrow(expected))))
check("72 rows: 24 months by 3 schemes", nrow(res) == 72)
check("the months come in order", !is.unsorted(res$month))
check("every monthly count equals the records' count", identical(got[names(want)] + 0, want + 0))
finish()
