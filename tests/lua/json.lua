-- A small JSON decoder for the tests (objects, arrays, strings with \u
-- escapes, numbers, true/false/null); null decodes to json.null.
local json = { null = setmetatable({}, { __tostring = function() return "null" end }) }

local escapes = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }

local function utf8_of(cp) return utf8.char(cp) end

function json.decode(text)
  local pos = 1
  local function fail(what) error(("json: %s at byte %d"):format(what, pos), 0) end
  local function skip() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local value
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local s, e, chunk, stop = text:find('^([^"\\]*)(["\\])', pos)
      if not s then fail("unterminated string") end
      out[#out + 1] = chunk
      pos = e + 1
      if stop == '"' then break end
      local c = text:sub(pos, pos)
      if c == "u" then
        local hex = text:match("^%x%x%x%x", pos + 1) or fail("bad \\u escape")
        local cp = tonumber(hex, 16)
        pos = pos + 5
        if cp >= 0xD800 and cp < 0xDC00 and text:match("^\\u%x%x%x%x", pos) then
          local lo = tonumber(text:sub(pos + 2, pos + 5), 16)
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          pos = pos + 6
        end
        out[#out + 1] = utf8_of(cp)
      else
        out[#out + 1] = escapes[c] or fail("bad escape")
        pos = pos + 1
      end
    end
    return table.concat(out)
  end
  function value()
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1
      skip()
      if text:sub(pos, pos) == "}" then pos = pos + 1 return t end
      while true do
        skip()
        if text:sub(pos, pos) ~= '"' then fail("object key expected") end
        local k = str()
        skip()
        if text:sub(pos, pos) ~= ":" then fail("':' expected") end
        pos = pos + 1
        t[k] = value()
        skip()
        c = text:sub(pos, pos)
        pos = pos + 1
        if c == "}" then return t end
        if c ~= "," then fail("',' or '}' expected") end
      end
    elseif c == "[" then
      local t = {}
      pos = pos + 1
      skip()
      if text:sub(pos, pos) == "]" then pos = pos + 1 return t end
      while true do
        t[#t + 1] = value()
        skip()
        c = text:sub(pos, pos)
        pos = pos + 1
        if c == "]" then return t end
        if c ~= "," then fail("',' or ']' expected") end
      end
    elseif c == '"' then
      return str()
    else
      for word, v in pairs { ["true"] = true, ["false"] = false, ["null"] = json.null } do
        if text:sub(pos, pos + #word - 1) == word then
          pos = pos + #word
          return v
        end
      end
      local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos) or fail("value expected")
      pos = pos + #num
      return tonumber(num) or fail("bad number")
    end
  end
  local v = value()
  skip()
  if pos <= #text then fail("trailing bytes") end
  return v
end

-- Runs a shell command and decodes its standard output.
function json.run(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  return json.decode(out)
end

return json
