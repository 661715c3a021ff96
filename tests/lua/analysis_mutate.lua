-- Writes N mutants of a JSON snapshot: each changes one number or address
-- (another valid-looking value: a neighbour object, a huge index, zero) or
-- cuts the file, so that the reader sees files that parse but lie.
-- usage: analysis_mutate.lua SNAPSHOT.json N OUTPREFIX
local src, n, prefix = arg[1], tonumber(arg[2]), arg[3]
local text = assert(io.open(src, "rb")):read("a")
local spots = {}
for pos, tok in text:gmatch("()(0x%x+)") do spots[#spots + 1] = { pos, #tok } end
for pos, tok in text:gmatch('[:,%[]()(%-?%d+)') do spots[#spots + 1] = { pos, #tok } end
local repl = { "0", "1", "-1", "4294967295", "2147483647", "18446744073709551615",
	"0x10", "0x0", "3", "65536", "1e300" }
math.randomseed(tonumber(arg[4] or 7))
for i = 1, n do
	local out
	if i % 10 == 0 then
		out = text:sub(1, math.random(#text))
	else
		local s = spots[math.random(#spots)]
		local r = repl[math.random(#repl)]
		if text:sub(s[1], s[1] + 1) == "0x" and math.random(2) == 1 then
			-- another object's address, shifted a little
			local s2 = spots[math.random(#spots)]
			r = text:sub(s2[1], s2[1] + s2[2] - 1)
		end
		out = text:sub(1, s[1] - 1) .. r .. text:sub(s[1] + s[2])
	end
	local f = assert(io.open(string.format("%s%03d.json", prefix, i), "wb"))
	f:write(out)
	f:close()
end
