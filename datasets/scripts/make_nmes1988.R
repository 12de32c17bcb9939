# Write datasets/nmes1988.csv from the NMES1988 data of the R package AER (Kleiber & Zeileis,
# "Applied Econometrics with R", 2008; AER is GPL-2 | GPL-3 and ships the data): the US National
# Medical Expenditure Survey 1987/88, 4406 people aged 66 and over covered by Medicare (Deb &
# Trivedi 1997, Journal of Applied Econometrics 12(3), 313-336). Run from the repository root:
#
#     Rscript datasets/scripts/make_nmes1988.R
#
# The response is `visits` (physician office visits, a count); the other utilisation counts
# (nvisits, ovisits, novisits, emergency, hospital) are left out, as in Deb & Trivedi's model of
# office visits. Factors are dummy-coded against AER's own base levels (health "average",
# region "other"), numeric covariates are kept as AER stores them (age in decades, income in
# USD 10 000). Versions are written to datasets/scripts/make_nmes1988.versions.txt.
suppressMessages(library(AER))
data("NMES1988", package = "AER")
d <- NMES1988
yes <- function(f, level) as.integer(f == level)
out <- data.frame(
  health_poor = yes(d$health, "poor"),
  health_excellent = yes(d$health, "excellent"),
  chronic = d$chronic,
  adl_limited = yes(d$adl, "limited"),
  region_northeast = yes(d$region, "northeast"),
  region_midwest = yes(d$region, "midwest"),
  region_west = yes(d$region, "west"),
  age = d$age,
  afam = yes(d$afam, "yes"),
  male = yes(d$gender, "male"),
  married = yes(d$married, "yes"),
  school = d$school,
  income = d$income,
  employed = yes(d$employed, "yes"),
  insurance = yes(d$insurance, "yes"),
  medicaid = yes(d$medicaid, "yes"),
  visits = d$visits
)
stopifnot(nrow(out) == 4406, !anyNA(out), sum(out$visits) == sum(d$visits))
write.csv(out, "datasets/nmes1988.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("AER", packageVersion("AER"))),
           "datasets/scripts/make_nmes1988.versions.txt")
