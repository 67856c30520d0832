-- Aligned text tables: numbers right-aligned, everything else left-aligned.
local tables = {}

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

function tables.print(columns, rows)
  io.write(tables.render(columns, rows))
end

return tables
