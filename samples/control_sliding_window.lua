-- Control (no leak): a sliding window. The last 1,000 chat messages are kept
-- in Recent, indexed by a growing sequence number; the oldest is dropped as
-- each new one arrives, so the table moves through its keys and rehashes
-- but never holds more than 1,000 entries.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Recent = {}
_G.Recent = Recent
local first, last = 1, 0

game.add_system {
  on_tick = function(round)
    for i = 1, 20 do
      last = last + 1
      Recent[last] = { from = "player" .. (round * 7 + i) % 300, text = "message " .. last }
      if last - first + 1 > 1000 then
        Recent[first] = nil
        first = first + 1
      end
    end
  end,
}

harness.run("control_sliding_window", game)
