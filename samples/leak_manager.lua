-- Leak: a manager that creates and never removes. Every login opens a
-- session in SessionManager.sessions; logout forgets to close it.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local SessionManager = { sessions = {}, opened = 0 }
_G.SessionManager = SessionManager

function SessionManager.open(p)
  SessionManager.opened = SessionManager.opened + 1
  local s = { player = p, started = os.time(), packets = {} }
  for i = 1, 4 do s.packets[i] = "hello " .. p.name .. " #" .. i end
  SessionManager.sessions[p.id] = s
  return s
end

game.add_system {
  on_login = function(p) p.session = SessionManager.open(p) end,
  on_logout = function(p) p.session = nil end,   -- bug: sessions[p.id] stays
}

harness.run("leak_manager", game)
