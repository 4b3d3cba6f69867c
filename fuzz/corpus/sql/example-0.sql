SELECT benefit_type, count(*), avg(monthly_amount) FROM benefits
WHERE birth_year < 1960 GROUP BY benefit_type