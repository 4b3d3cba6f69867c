SELECT g, round(100.0 * count(*) / 7, 1) AS pct, sum(a) / count(*) m FROM t s WHERE s.b > 4.5e3 GROUP BY 1 HAVING m >= 2 ORDER BY pct DESC NULLS LAST LIMIT 5 OFFSET 1
