-- Aligned text tables: numbers right-aligned, everything else left-aligned. Every table printed is also
-- kept (tables.printed: header, formatted cells, which columns are numbers) for --json and the lab page.
local tables = { printed = {} }

local function cell(v, fmt)
  if type(v) == "number" then return fmt and fmt:format(v) or ("%.4g"):format(v) end
  return tostring(v == nil and "" or v)
end

-- columns: { {title, key, fmt}, ... }; rows: list of tables indexed by key.
function tables.render(columns, rows)
  local widths, text = {}, {}
  for c, col in ipairs(columns) do widths[c] = #col[1] end
  for r, row in ipairs(rows) do
    text[r] = {}
    for c, col in ipairs(columns) do
      local s = cell(row[col[2]], col[3])
      text[r][c] = s
      if #s > widths[c] then widths[c] = #s end
    end
  end
  local lines, head, rule = {}, {}, {}
  for c, col in ipairs(columns) do
    head[c] = ("%-" .. widths[c] .. "s"):format(col[1])
    rule[c] = ("-"):rep(widths[c])
  end
  lines[1] = table.concat(head, "  ")
  lines[2] = table.concat(rule, "  ")
  for r, row in ipairs(rows) do
    local parts = {}
    for c, col in ipairs(columns) do
      local align = type(row[col[2]]) == "number" and "" or "-"
      parts[c] = ("%" .. align .. widths[c] .. "s"):format(text[r][c])
    end
    lines[#lines + 1] = table.concat(parts, "  ")
  end
  return table.concat(lines, "\n") .. "\n"
end

-- The table as the lab page shows it: the same formatted cells as the terminal's.
function tables.cells(columns, rows)
  local t = { head = {}, rows = {}, numeric = {} }
  for c, col in ipairs(columns) do
    t.head[c] = col[1]
    t.numeric[c] = rows[1] ~= nil and type(rows[1][col[2]]) == "number"
  end
  for r, row in ipairs(rows) do
    t.rows[r] = {}
    for c, col in ipairs(columns) do t.rows[r][c] = cell(row[col[2]], col[3]) end
  end
  return t
end

function tables.print(columns, rows)
  io.write(tables.render(columns, rows))
  tables.printed[#tables.printed + 1] = tables.cells(columns, rows)
end

return tables
