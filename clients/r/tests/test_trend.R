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
finish()
