// The host page's styles for the bubble and the iframe holder, scoped by Chatwoot's class
// names (sites that restyle them keep working). `--woot-color` is the inbox's colour.
export const css = `
.woot--bubble-holder{--woot-color:#1f93ff}
.woot-widget-bubble{position:fixed;bottom:20px;z-index:2147483000;width:64px;height:64px;border-radius:100px;border:0;padding:0;cursor:pointer;
background:var(--woot-color);color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 8px 24px rgba(0,0,0,.16);transition:transform .2s}
.woot-widget-bubble:hover{transform:scale(1.05)}
.woot-widget-bubble svg{width:28px;height:28px}
.woot-widget-bubble.woot-widget--expanded{width:auto;height:48px;padding:0 20px;gap:8px;font:600 16px/1 system-ui,sans-serif}
.woot-elements--right{right:20px}.woot-elements--left{left:20px}
.woot-widget-holder{position:fixed;bottom:104px;z-index:2147483000;width:400px;height:calc(85% - 64px);max-height:590px;min-height:250px;
border-radius:16px;overflow:hidden;box-shadow:0 5px 40px rgba(0,0,0,.16);background:#fff}
.woot-widget-holder--flat{border-radius:0;box-shadow:none;border:1px solid #e5e7eb}
.woot-widget-holder iframe{border:0;width:100%;height:100%}
.woot-unread{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#e0245e;color:#fff;
font:700 12px/20px system-ui,sans-serif;padding:0 5px;box-sizing:border-box}
.woot--hide{display:none!important}
@media (max-width:667px){.woot-widget-holder{left:0;right:0;top:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}}
`;
