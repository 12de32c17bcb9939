# Peer benchmark of veristat's cumulative link models against R's ordinal::clm and MASS::polr,
# every link, in the same run. From the repository root, after
#     cargo build --release --no-default-features --example ordinal_bench
# run
#     Rscript benches/peers/ordinal_links.R [n] [p] [reps]
# (defaults n = 100000, p = 20, reps = 3; the median of `reps` fits is reported). The driver is
# `target/release/examples/ordinal_bench` unless VERISTAT_ORDINAL_BENCH names another build, e.g.
# `cargo build --profile wheel --no-default-features --example ordinal_bench` (release without
# thin LTO and with 16 codegen units: minutes instead of most of an hour on two shared cores)
# and VERISTAT_ORDINAL_BENCH=target/wheel/examples/ordinal_bench.
#
# Data: K = 4 classes from the latent model y* = x'beta + e, e standard logistic, with
# x ~ N(0, 1)^{n x p}, beta_j = 0.5 (-1)^j / sqrt(j), cutpoints (-1, 0.5, 2), R seed 20240517;
# written to a CSV (target `y` in 0..3) that the veristat driver reads. Every link is fitted to
# the same data (so all but logit are misspecified, as in practice).
#
# Timing is of the fit alone, wall and CPU (user + system) seconds: clm and polr by system.time()
# around the call on an in-memory data frame (clm at its default tolerances, gradTol 1e-6; polr
# at optim's defaults), veristat by the driver's own clocks around `fit` (no file reading).
# With VERISTAT_BENCH_JSON=FILE each comparison is also appended to FILE as a JSON line (for
# benches/peers/run-all), and PRESTO's 20-lambda path with 5-fold CV is timed against 20 clm fits. "Ratio" is peer time / veristat time, shown
# only where the peer reached the same log-likelihood (|difference| < 1e-6 relative); otherwise
# the peer is marked as stopping early and the log-likelihood gap is printed.
suppressMessages({
  library(ordinal)
  library(MASS)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args) >= 1) as.integer(args[1]) else 100000L
p <- if (length(args) >= 2) as.integer(args[2]) else 20L
reps <- if (length(args) >= 3) as.integer(args[3]) else 3L
driver <- Sys.getenv("VERISTAT_ORDINAL_BENCH", "target/release/examples/ordinal_bench")
stopifnot(file.exists(driver))

set.seed(20240517)
X <- matrix(rnorm(n * p), n, p)
beta <- 0.5 * (-1)^(1:p) / sqrt(1:p)
ystar <- drop(X %*% beta) + rlogis(n)
y <- findInterval(ystar, c(-1, 0.5, 2))  # 0..3
d <- as.data.frame(X)
names(d) <- paste0("x", 1:p)
csv <- tempfile(fileext = ".csv")
write.csv(cbind(d, y = y), csv, row.names = FALSE, quote = FALSE)  # the driver reads bare names
d$y <- factor(y, levels = 0:3, ordered = TRUE)
f <- as.formula(paste("y ~", paste(paste0("x", 1:p), collapse = " + ")))
cat(sprintf("data: n = %d, p = %d, K = 4, class counts %s\n", n, p,
            paste(tabulate(y + 1, 4), collapse = "/")))
cat(sprintf("versions: %s, ordinal %s, MASS %s; threads for veristat: %s\n", R.version.string,
            packageVersion("ordinal"), packageVersion("MASS"),
            Sys.getenv("RAYON_NUM_THREADS", "all cores")))

polr_method <- c(logit = "logistic", probit = "probit", cloglog = "cloglog",
                 loglog = "loglog", cauchit = "cauchit")
med_time <- function(expr_fn) {
  times <- numeric(reps)
  cpus <- numeric(reps)
  val <- NULL
  for (r in seq_len(reps)) {
    t <- system.time(val <- expr_fn())
    times[r] <- t[["elapsed"]]
    cpus[r] <- t[["user.self"]] + t[["sys.self"]]
  }
  list(time = median(times), cpu = median(cpus), value = val)
}
ours <- function(mode_args) {
  times <- numeric(reps)
  cpus <- numeric(reps)
  out <- NULL
  for (r in seq_len(reps)) {
    out <- fromJSON(system2(driver, c(csv, mode_args), stdout = TRUE))
    times[r] <- out$seconds
    cpus[r] <- out$cpu_seconds
  }
  out$time <- median(times)
  out$cpu <- median(cpus)
  out
}
# One JSON line per comparison for benches/peers/run-all (VERISTAT_BENCH_JSON names the file).
json_out <- Sys.getenv("VERISTAT_BENCH_JSON", "")
emit <- function(row) {
  if (nzchar(json_out)) cat(toJSON(row, auto_unbox = TRUE, digits = NA), "\n", file = json_out,
                            append = TRUE, sep = "")
}
design <- sprintf("n = %d, p = %d, K = 4", n, p)

rows <- list()
for (link in names(polr_method)) {
  v <- ours(c("po", link))
  cm <- med_time(function() clm(f, data = d, link = link))
  pm <- med_time(function() polr(f, data = d, method = polr_method[[link]]))
  ll_c <- cm$value$logLik
  ll_p <- -pm$value$deviance / 2
  same <- function(ll) abs(ll - v$loglik) < 1e-6 * abs(v$loglik)
  ratio <- function(t, ll) if (same(ll)) sprintf("%.2f", t / v$time) else "stops early"
  rows[[link]] <- data.frame(
    link = link, veristat_s = v$time, veristat_loglik = v$loglik,
    clm_s = cm$time, clm_loglik_minus_ours = ll_c - v$loglik, clm_ratio = ratio(cm$time, ll_c),
    polr_s = pm$time, polr_loglik_minus_ours = ll_p - v$loglik,
    polr_ratio = ratio(pm$time, ll_p))
  for (peer in list(list(name = "ordinal::clm", version = as.character(packageVersion("ordinal")),
                         config = "defaults (gradTol 1e-6)", m = cm, ll = ll_c),
                    list(name = "MASS::polr", version = as.character(packageVersion("MASS")),
                         config = "optim defaults", m = pm, ll = ll_p))) {
    emit(list(task = paste("proportional odds,", link), design = design, peer = peer$name,
              peer_version = peer$version, peer_config = peer$config, peer_cpu = peer$m$cpu,
              peer_wall = peer$m$time,
              peer_accuracy = sprintf("loglik %+.1e vs veristat", peer$ll - v$loglik),
              veristat_cpu = v$cpu, veristat_wall = v$time,
              veristat_accuracy = sprintf("loglik %.6f", v$loglik)))
  }
  cat(sprintf("%-8s veristat %.3f s (ll %.6f, %d Newton steps) | clm %.3f s (dll %+.2e) | polr %.3f s (dll %+.2e)\n",
              link, v$time, v$loglik, v$n_iter, cm$time, ll_c - v$loglik, pm$time, ll_p - v$loglik))
}
# PRESTO's 20-lambda path with 5-fold CV against 20 clm fits (one per lambda, as a user without
# a penalized cumulative-link fitter would run them): issue 15 item 3.
pv <- ours(c("presto-cv", "20", "5"))
cl <- med_time(function() clm(f, data = d, link = "logit"))
cat(sprintf("PRESTO 20-lambda path + 5-fold CV: veristat %.3f s CPU %.3f s wall | 20 clm fits %.3f s CPU %.3f s wall\n",
            pv$cpu, pv$time, 20 * cl$cpu, 20 * cl$time))
emit(list(task = "PRESTO 20-lambda path + 5-fold CV", design = design,
          peer = "ordinal::clm, 20 fits (one per lambda)",
          peer_version = as.character(packageVersion("ordinal")), peer_config = "defaults",
          peer_cpu = 20 * cl$cpu, peer_wall = 20 * cl$time,
          peer_accuracy = "unpenalized fits", veristat_cpu = pv$cpu, veristat_wall = pv$time,
          veristat_accuracy = sprintf("KKT %.1e at the CV choice", pv$kkt)))
tab <- do.call(rbind, rows)
cat("\n| link | veristat (s) | clm (s) | clm / veristat | polr (s) | polr / veristat | loglik (veristat) | clm - veristat | polr - veristat |\n")
cat("|---|---|---|---|---|---|---|---|---|\n")
for (i in seq_len(nrow(tab))) {
  r <- tab[i, ]
  cat(sprintf("| %s | %.3f | %.3f | %s | %.3f | %s | %.4f | %+.1e | %+.1e |\n", r$link, r$veristat_s,
              r$clm_s, r$clm_ratio, r$polr_s, r$polr_ratio, r$veristat_loglik,
              r$clm_loglik_minus_ours, r$polr_loglik_minus_ours))
}
unlink(csv)
