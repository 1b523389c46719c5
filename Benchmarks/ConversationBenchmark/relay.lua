-- wrk script of the conversation benchmark's throughput runs: POST inbound messages to the relay
-- plugin, each with a new external id (never a duplicate) from one of 1,000 contacts.
local threads = 0
function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end

function init(args)
    counter = 0
    prefix = string.format("w%d-%d", os.time() % 100000, tid)
end

request = function()
    counter = counter + 1
    local body = string.format('{"external_id":"%s-%d","from":"+1555%03d","text":"hello %d"}',
        prefix, counter, counter % 1000, counter)
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
