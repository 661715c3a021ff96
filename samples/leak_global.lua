-- Leak: a forgotten 'local'. The chat handler means to keep a per-call
-- scratch list, but the missing 'local' makes 'history' a global that grows
-- with every message.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local function on_chat(p, text)
  history = history or {}                          -- bug: should be local
  history[#history + 1] = { from = p.name, text = text }
end

game.add_system {
  on_login = function(p)
    for i = 1, 3 do on_chat(p, "hi all, " .. p.name .. " here (" .. i .. ")") end
  end,
}

harness.run("leak_global", game)
