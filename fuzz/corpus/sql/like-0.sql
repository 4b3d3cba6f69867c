SELECT g, count(*) FROM t WHERE g LIKE 'A%' AND NOT (h NOT ILIKE '_b''c%' OR r like '2024-01-31') GROUP BY g
