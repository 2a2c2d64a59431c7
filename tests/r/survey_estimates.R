# The sample's estimates computed with R's survey package (tests/test_survey_statistics_r.py runs this and
# compares every estimate of the marts mart_weighted_estimate, mart_weighted_domain_estimate and
# mart_weighted_question_trend with what it writes). The Python side is orchestration/deliverables/weighting.py.
#
#   Rscript tests/r/survey_estimates.R <folder>
#
# reads <folder>/units.csv (wave_id, nis_code, the three margins as ASCII codes, responding 0/1: every
# municipality of each wave's map) and <folder>/estimands.csv (estimand_id, wave_id, nis_code, answered 0/1,
# chosen 0/1: one row per responding municipality and estimand), and writes <folder>/results.csv: per
# estimand the estimate over the municipalities that answered (domain_kind "all") and per province and
# size class (`svyby`'s domains), with n, p, se, deff, ci_lower, ci_upper, ci_method.
suppressMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
units <- read.csv(file.path(folder, "units.csv"), colClasses = "character")
cells <- read.csv(file.path(folder, "estimands.csv"),
                  colClasses = c("character", "character", "character", "integer", "integer"))
margins <- c("province_name_nl", "size_class", "belfius_type_code")
domain_kinds <- c(province = "province_name_nl", size_class = "size_class")
alpha <- 0.05

# svymean (with its design effect for Flanders: the test compares that one) and svyciprop(method = "beta")
# on a domain of the raked design. svymean warns where a small domain's estimated population is below its
# sample size, and gives no design effect there (nor does the mart).
estimate <- function(design, id, kind, value) {
  m <- suppressWarnings(svymean(~y, design, deff = kind == "all"))
  p <- as.numeric(coef(m))[1]
  v <- as.numeric(vcov(m))[1]
  n_domain <- sum(weights(design, "sampling") != 0)
  if (n_domain < 2) {
    ci <- c(NA, NA)
    ci_method <- NA
  } else if (v > 1e-20 && p > 1e-12 && p < 1 - 1e-12) {
    ci <- as.numeric(confint(svyciprop(~y, design, method = "beta")))
    ci_method <- "beta"
  } else {
    # Every or no municipality of the domain chose it: v = 0 and svyciprop's effective sample size is
    # 0/0 (NaN, or noise where rounding leaves p a hair from 0 or 1). The marts then take the design
    # effect as 1: n_eff = n, with svyciprop's t factor.
    p <- round(p)
    t_factor <- (qt(alpha / 2, nrow(design) - 1) / qt(alpha / 2, degf(design)))^2
    n_eff <- n_domain * t_factor
    ci <- c(if (p > 0) qbeta(alpha / 2, n_eff * p, n_eff * (1 - p) + 1) else 0,
            if (p < 1) qbeta(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)) else 1)
    ci_method <- "beta_deff1"
  }
  data.frame(estimand_id = id, domain_kind = kind, domain = value, n = n_domain, p = p, se = sqrt(v),
             deff = if (kind == "all") as.numeric(deff(m, quietly = TRUE))[1] else NA, ci_lower = ci[1], ci_upper = ci[2],
             ci_method = ci_method, stringsAsFactors = FALSE)
}

results <- list()
for (wave in sort(unique(units$wave_id))) {
  frame <- units[units$wave_id == wave, ]
  for (m in margins) frame[[m]] <- factor(frame[[m]], levels = sort(unique(frame[[m]])))
  sample <- frame[frame$responding == "1", ]
  sample <- sample[order(sample$nis_code), ]
  sample$N <- nrow(frame)  # the finite-population correction: the municipalities on the wave's map
  # A margin with a category no municipality of the sample is in cannot be matched: left out, as in Python.
  used <- margins[sapply(margins, function(m) all(levels(frame[[m]]) %in% as.character(sample[[m]])))]
  design <- svydesign(ids = ~1, fpc = ~N, data = sample)
  raked <- rake(design,
                sample.margins = lapply(used, function(m) as.formula(paste("~", m))),
                population.margins = lapply(used, function(m) {
                  counts <- as.data.frame(table(frame[[m]]))
                  names(counts) <- c(m, "Freq")
                  counts
                }),
                # to convergence (the default stops once no cell of the margins' table moves by 1)
                control = list(maxit = 1000, epsilon = 1e-12))
  wave_cells <- cells[cells$wave_id == wave, ]
  for (id in unique(wave_cells$estimand_id)) {
    these <- wave_cells[wave_cells$estimand_id == id, ]
    at <- match(raked$variables$nis_code, these$nis_code)
    answered <- ifelse(is.na(at), 0L, these$answered[at])
    chosen <- ifelse(is.na(at), 0L, these$chosen[at])
    if (sum(answered) == 0) next
    with_y <- update(raked, answered = answered, y = chosen * answered)
    domain <- subset(with_y, answered == 1)  # the others stay in the design with weight 0
    results[[length(results) + 1]] <- estimate(domain, id, "all", NA)
    # svyby(~y, ~province_name_nl, domain, svymean) evaluates FUN on design[by == level, ] for each level:
    # the same, one level at a time.
    for (kind in names(domain_kinds)) {
      column <- domain_kinds[[kind]]
      for (value in levels(frame[[column]])) {
        member <- as.character(domain$variables[[column]]) == value
        if (sum(member & answered == 1) == 0) next
        results[[length(results) + 1]] <- estimate(domain[member, ], id, kind, value)
      }
    }
  }
}
write.csv(do.call(rbind, results), file.path(folder, "results.csv"), row.names = FALSE)
