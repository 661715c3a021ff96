-- Checks a `luaheap diff --json` document read from stdin: with an argument
-- EXPECT, the first suspect's path must contain EXPECT (plain text) and
-- carry at least half of the heap's growth, and its example must name an
-- address; with "none", there must be no suspect.
local json = require "json"
local expect = assert(arg[1], "usage: diff_check.lua EXPECT|none")
local d = json.decode(io.read("a"))
local s = d.suspects
if expect == "none" then
  if d.suspect_count ~= 0 then
    error(("expected no suspect, got %d; first: %s (retained %d, growth %d)"):format(
      d.suspect_count, s[1].path, s[1].retained, s[1].growth))
  end
else
  assert(d.suspect_count >= 1 and #s >= 1, "no suspect at all")
  if not s[1].path:find(expect, 1, true) then
    error(("first suspect is %s, expected it to name %s"):format(s[1].path, expect))
  end
  assert(s[1].count > 0 and s[1].retained > 0 and s[1].growth > 0,
    "suspect without count, retained size or growth")
  if d.growth > 0 and s[1].growth * 2 < d.growth then
    error(("first suspect %s carries %d bytes of the heap's growth of %d: "
      .. "less than half"):format(s[1].path, s[1].growth, d.growth))
  end
  assert(type(s[1].example_address) == "string" and
    s[1].example_address:find("^0x%x+$"), "example without an address")
end
