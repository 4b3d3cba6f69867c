SELECT regression(monthly_amount, birth_year, household_size) AS fit,
       corr(birth_year, monthly_amount)
FROM benefits GROUP BY "benefit-group"