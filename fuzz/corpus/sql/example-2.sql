SELECT count(*), min(start_date), median(start_date) FROM benefits
WHERE start_date BETWEEN DATE '2020-01-01' AND DATE '2020-12-31'
  AND NOT (end_date IS NULL OR region = 'south')