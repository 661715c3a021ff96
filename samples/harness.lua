-- Drives a sample server through rounds of player churn and writes three
-- snapshots (a, b, c) between them, for `luaheap diff a.snap b.snap c.snap`.
-- Usage: lua5.4 samples/NAME.lua [OUTDIR [ROUNDS]]   (or: luaheap run ...)
local luaheap = require "luaheap"

local harness = {}

-- Runs server.tick(round) ROUNDS times before each of the three snapshots;
-- returns the paths written.
function harness.run(name, server)
  local outdir = arg and arg[1] or "."
  local rounds = tonumber(arg and arg[2]) or 100
  local round = 0
  local function play(n)
    for _ = 1, n do
      round = round + 1
      server.tick(round)
    end
  end
  play(rounds)                                   -- warm-up: caches fill, pools settle
  local paths = {}
  for _, tag in ipairs { "a", "b", "c" } do
    play(rounds)
    local path = outdir .. "/" .. tag .. ".snap"
    local ok, err = luaheap.dump(path, { label = name .. " round " .. round })
    if not ok then error(err) end
    paths[#paths + 1] = path
  end
  io.write(name, ": wrote ", table.concat(paths, " "), "\n")
  return paths
end

return harness
