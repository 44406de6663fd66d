-- Which data the database holds: 'demo' for the generated demo history, else 'own'.
select coalesce((select value from meta where key = 'dataset'), 'own') as dataset
