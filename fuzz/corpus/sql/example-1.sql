SELECT histogram(monthly_amount, 0, 2500, 10) AS amounts, quantile(monthly_amount, 0.9)
FROM benefits WHERE region IN ('north', 'east') AND active = TRUE