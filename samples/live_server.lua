-- A live server for `luaheap dump --pid`: players log in and out round after
-- round, a mailer coroutine runs beside them, and a matchmaker forgets to drop
-- players who log out (the planted leak: Matchmaker.waiting). The module is
-- armed, so a shell can ask for snapshots while the loop runs.
-- Usage: lua5.4 samples/live_server.lua DIR [STOPFILE [MAX_ROUNDS [NAP [NAME]]]]
--   DIR       where snapshots go (the armed directory)
--   STOPFILE  the server stops after the round in which this file appears
--   NAP       seconds idle in a C call (os.execute "sleep") between rounds
--   NAME      the name the state arms under (`luaheap dump --pid P --state
--             NAME`; default "game")
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local luaheap = require "luaheap"
local game = require "game"

local dir = assert(arg[1], "usage: live_server.lua DIR [STOPFILE [MAX_ROUNDS [NAP]]]")
local stopfile = arg[2] or (dir .. "/stop")
local max_rounds = tonumber(arg[3]) or 3000
local nap = tonumber(arg[4]) or 0.02
local name = arg[5] or "game"

local Matchmaker = { waiting = {} }
_G.Matchmaker = Matchmaker
game.add_system {
  on_login = function(p) Matchmaker.waiting[#Matchmaker.waiting + 1] = p end,
  -- bug: no on_logout, so every player who ever logged in stays waiting
}

-- Mail is delivered by a coroutine that yields between letters, so a dump
-- may be asked for while the server is deep inside it.
local Mail = { sent = 0 }
local mailer = coroutine.wrap(function()
  while true do
    for id, p in pairs(game.World.online) do
      local letter = { to = p.name, body = ("welcome back, %s (#%d)"):format(p.name, id) }
      Mail.sent = Mail.sent + 1
      coroutine.yield(letter)
    end
    coroutine.yield(nil)
  end
end)

local ok, beacon = luaheap.arm { signal = "USR1", dir = dir, label = "live_server", name = name }
if not ok then
  io.stderr:write("live_server: ", beacon, "\n")
  os.exit(1)
end
io.write("armed ", beacon, "\n")
io.stdout:flush()

local rounds = 0
for round = 1, max_rounds do
  rounds = round
  game.tick(round)
  while mailer() do end
  io.write(("heartbeat %d online %d mail %d\n"):format(round, game.World.online_count, Mail.sent))
  io.stdout:flush()
  local f = io.open(stopfile)
  if f then
    f:close()
    break
  end
  os.execute("sleep " .. nap)          -- idle in C: a dump waits for the next instruction
end
luaheap.disarm()
io.write("stopped after ", rounds, " rounds\n")
