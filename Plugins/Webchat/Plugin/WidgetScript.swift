import SwitchboardSDK
import WebchatCore

/// `GET /widget.js`: plain JavaScript, no build step. The strings of every language come from
/// the core's table; the rest is ``WidgetScript/logic`` and ``WidgetScript/styles``.
enum WidgetScript {
    static let source: String = {
        let strings = JSONValue.object(
            WidgetLanguage.allCases.map { language in
                (key: language.rawValue, value: JSONValue.object(language.strings.map { ($0.key, .string($0.value)) }))
            })
        return
            "/* Switchboard webchat widget. Embed: <script src=\"https://HOST/widget.js\" data-key=\"sb_widget_…\" async></script> */\n"
            + "(function () {\n'use strict';\nvar STRINGS = \(strings.jsonString);\nvar CSS = \(JSONValue.string(styles).jsonString);\n"
            + logic + "\n})();\n"
    }()

    /// The widget's styles, inside its shadow root (the page's CSS cannot reach them).
    static let styles = #"""
        :host { all: initial; }
        * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        .root { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; --sb-color: #0a7cff;
          font-size: 14px; line-height: 1.4; letter-spacing: normal; word-spacing: normal; text-transform: none;
          text-align: left; text-indent: 0; font-style: normal; font-weight: 400; color: #1d1d1f; direction: ltr; }
        .launcher .icon-close { display: none; }
        .launcher[aria-expanded="true"] .icon-open { display: none; }
        .launcher[aria-expanded="true"] .icon-close { display: block; }
        .root.left { right: auto; left: 20px; }
        .launcher { width: 60px; height: 60px; border-radius: 50%; border: none; cursor: pointer; position: relative;
          background: var(--sb-color); color: #fff; box-shadow: 0 6px 20px rgba(0,0,0,.25); display: flex;
          align-items: center; justify-content: center; transition: transform .15s; }
        .launcher:hover { transform: scale(1.06); }
        .launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
        .launcher svg { width: 28px; height: 28px; fill: currentColor; }
        .badge { position: absolute; top: -2px; right: -2px; min-width: 22px; height: 22px; padding: 0 6px;
          border-radius: 11px; background: #e5383b; color: #fff; font-size: 12px; font-weight: 700;
          line-height: 22px; text-align: center; box-shadow: 0 0 0 2px #fff; }
        .badge[hidden] { display: none; }
        .panel { position: absolute; bottom: 76px; right: 0; width: 360px; max-width: calc(100vw - 40px);
          height: 520px; max-height: calc(100vh - 120px); background: #fff; border-radius: 16px; overflow: hidden;
          box-shadow: 0 12px 40px rgba(0,0,0,.25); display: flex; flex-direction: column; color: #1d1d1f; }
        .root.left .panel { right: auto; left: 0; }
        .panel[hidden] { display: none; }
        .header { background: var(--sb-color); color: #fff; padding: 14px 16px; display: flex; align-items: center; gap: 8px; }
        .header h2 { font-size: 16px; margin: 0; flex: 1; font-weight: 600; }
        .header button { background: transparent; border: none; color: #fff; cursor: pointer; font-size: 20px;
          width: 32px; height: 32px; border-radius: 8px; }
        .header button:hover { background: rgba(255,255,255,.18); }
        .log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; background: #f6f7f9; }
        .msg { max-width: 82%; padding: 9px 13px; border-radius: 16px; font-size: 14px; line-height: 1.4;
          white-space: pre-wrap; word-wrap: break-word; }
        .msg.visitor { align-self: flex-end; background: var(--sb-color); color: #fff; border-bottom-right-radius: 4px; }
        .msg.assistant, .msg.staff, .msg.human { align-self: flex-start; background: #fff; color: #1d1d1f;
          border: 1px solid #e3e5e8; border-bottom-left-radius: 4px; }
        .typing { align-self: flex-start; padding: 10px 14px; background: #fff; border: 1px solid #e3e5e8;
          border-radius: 16px; display: flex; gap: 4px; }
        .typing[hidden] { display: none; }
        .typing span { width: 7px; height: 7px; border-radius: 50%; background: #9aa0a6; animation: sb-blink 1.2s infinite; }
        .typing span:nth-child(2) { animation-delay: .2s; } .typing span:nth-child(3) { animation-delay: .4s; }
        @keyframes sb-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
        .status { padding: 8px 16px; font-size: 13px; background: #fff4e5; color: #7a4b00; display: flex;
          align-items: center; gap: 8px; border-top: 1px solid #f3d9b1; }
        .status[hidden] { display: none; }
        .status p { margin: 0; flex: 1; }
        .status button { border: 1px solid #7a4b00; background: transparent; color: #7a4b00; border-radius: 8px;
          padding: 4px 10px; cursor: pointer; font-size: 13px; }
        .composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e3e5e8; background: #fff; }
        .composer textarea { flex: 1; resize: none; border: 1px solid #d0d4d9; border-radius: 12px; padding: 9px 12px;
          font-size: 14px; height: 40px; max-height: 120px; color: #1d1d1f; background: #fff; }
        .composer button { border: none; background: var(--sb-color); color: #fff; border-radius: 12px; padding: 0 14px;
          font-size: 14px; font-weight: 600; cursor: pointer; }
        .composer button:disabled { opacity: .5; cursor: default; }
        .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        @media (max-width: 480px) { .panel { width: calc(100vw - 24px); height: calc(100vh - 110px); } }
        """#
}
