-- builds: macros filtered_drug_line_cells
-- needs: drug_line_cells, unit_matches
-- filtered_drug_line_cells(...): drug_line_cells under the dashboard's filters (the same eight parameters,
-- in the same order, and the same conditions as filtered_units (filtered_units.sql): a NULL date or an empty
-- list keeps everything), so that waste_modifier_compliance reads the same lines from a table of cells.
CREATE OR REPLACE MACRO filtered_drug_line_cells(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT *
    FROM drug_line_cells
    WHERE basis = CASE WHEN date_basis = 'payment' THEN 'payment' ELSE 'service' END
      AND (date_from IS NULL OR basis_date >= date_from)
      AND (date_to IS NULL OR basis_date <= date_to)
      AND (len(payers) = 0 OR list_contains(payers, payer_name))
      AND (len(categories) = 0 OR NOT denied OR list_contains(categories, category))
      AND unit_matches(codes, modifiers, sites, procedure_code, drug_line_cells.modifiers, missing_modifier, site);
