-- wrk script: POST Evolution messages.upsert webhooks, each with a unique key.id (so every
-- request is a new message to store, never a duplicate) from one of 1000 contacts.
-- Usage: wrk -t2 -c64 -d15s --latency -s webhook.lua http://127.0.0.1:PORT/webhook/evolution/bench
local threads = 0
function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end

function init(args)
    counter = 0
    -- WEBHOOK_KIND=status: status@broadcast stories, which the plugin reads and ignores (no storage)
    status = os.getenv("WEBHOOK_KIND") == "status"
    -- WEBHOOK_KIND=human: fromMe messages typed on the phone: stored durably, never answered
    human = os.getenv("WEBHOOK_KIND") == "human"
    prefix = string.format("%s%d%d", os.getenv("WEBHOOK_PREFIX") or "BENCH", os.time() % 100000, tid)
    path = wrk.path
end

request = function()
    counter = counter + 1
    local jid = string.format("5511900%06d@s.whatsapp.net", counter % 1000)
    if status then jid = "status@broadcast" end
    local body = string.format(
        '{"event":"messages.upsert","instance":"sales","data":{"key":{"remoteJid":"%s",'
            .. '"fromMe":%s,"id":"%s-%d"},"pushName":"Bench","status":"DELIVERY_ACK","message":{"conversation":'
            .. '"hello number %d"},"messageType":"conversation","messageTimestamp":1764674000,"source":"android"},'
            .. '"date_time":"2026-12-02T11:13:20.123Z","sender":"5511900000000@s.whatsapp.net",'
            .. '"server_url":"http://evolution.local:8080"}',
        jid, human and "true" or "false", prefix, counter, counter)
    return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end
