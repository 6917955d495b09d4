/* The demo page: sign in as a demo customer, then chat through rasa-webchat.
   The customer token rides in customData on every message, and once as the
   widget's first session_id: the server answers with a session id of its own,
   bound to that customer (bot/rasa/channels/webchat.py). Charts sent by the bot as
   {"chart": {...}} are drawn by ChartMessage with Chart.js. */
(function () {
  "use strict";

  var SESSION_KEY = "assistant_session";
  var WEBCHAT_KEY = "chat_session";
  var WEBCHAT_STORAGE_VERSION = "1.0.1"; /* rasa-webchat drops a stored session of another version */
  var FONT = "'Noto Sans KR', sans-serif";
  var h = React.createElement;

  function won(amount) {
    return Number(amount).toLocaleString("ko-KR") + "원";
  }

  function percent(part, total) {
    return total > 0 ? (Math.round((part / total) * 1000) / 10).toFixed(1) + "%" : "-";
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) {
        data.status = response.status;
        return data;
      });
    });
  }

  function savedSession() {
    try {
      var session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      if (session && new Date(session.expires_at) > new Date()) return session;
    } catch (error) { /* a damaged entry is the same as none */ }
    return null;
  }

  /* One bar per spending category, and the same numbers as a table with aligned amounts. */
  class ChartMessage extends React.Component {
    constructor(props) {
      super(props);
      this.canvas = null;
      this.chart = null;
      this.setCanvas = function (node) { this.canvas = node; }.bind(this);
    }

    componentDidMount() {
      var self = this;
      var items = (this.props.chart && this.props.chart.items) || [];
      if (!this.canvas || !items.length) return;
      document.fonts.load("12px 'Noto Sans KR'").catch(function () {}).then(function () {
        if (!self.canvas) return;
        self.chart = new Chart(self.canvas, {
          type: "bar",
          data: {
            labels: items.map(function (item) { return item.label; }),
            datasets: [{ data: items.map(function (item) { return item.amount; }), backgroundColor: "#2f6fde" }],
          },
          options: {
            indexAxis: "y",
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            plugins: {
              legend: { display: false },
              tooltip: { callbacks: { label: function (context) { return won(context.parsed.x); } } },
            },
            scales: {
              x: { ticks: { font: { family: FONT }, callback: function (value) { return (value / 10000).toLocaleString("ko-KR") + "만"; } } },
              y: { ticks: { font: { family: FONT, size: 12 } } },
            },
          },
        });
        self.canvas.setAttribute("data-rendered", "true");
      });
    }

    componentWillUnmount() {
      if (this.chart) this.chart.destroy();
      this.canvas = null;
    }

    render() {
      var chart = this.props.chart || {};
      var items = chart.items || [];
      var total = items.reduce(function (sum, item) { return sum + item.amount; }, 0);
      var period = (chart.period || []).join(" ~ ");
      return h("figure", { className: "spending-chart", "data-chart-type": chart.type },
        h("figcaption", null, chart.title || "분야별 지출", period ? h("span", { className: "period" }, period) : null),
        h("div", { className: "canvas-box", style: { height: 28 * items.length + 40 + "px" } },
          h("canvas", { ref: this.setCanvas, role: "img", "aria-label": "분야별 지출 막대그래프" })),
        h("table", { className: "amounts" },
          h("thead", null, h("tr", null, h("th", null, "분야"), h("th", null, "금액"), h("th", null, "비중"))),
          h("tbody", null, items.map(function (item) {
            return h("tr", { key: item.label },
              h("td", null, item.label), h("td", { className: "num" }, won(item.amount)),
              h("td", { className: "num" }, percent(item.amount, total)));
          })),
          h("tfoot", null, h("tr", null, h("td", null, "합계"), h("td", { className: "num" }, won(total)), h("td", null)))));
    }
  }

  /* A widget with no session of its own asks the server for one with the customer's token. */
  function requestBoundSession(session) {
    var stored = null;
    try { stored = JSON.parse(sessionStorage.getItem(WEBCHAT_KEY) || "null"); } catch (error) { stored = null; }
    if (stored && stored.session_id && stored.version === WEBCHAT_STORAGE_VERSION) return;
    sessionStorage.setItem(WEBCHAT_KEY, JSON.stringify({
      session_id: session.customer_token, version: WEBCHAT_STORAGE_VERSION, conversation: [], params: {}, metadata: {},
    }));
  }

  function mountWidget(config, session) {
    document.getElementById("chat-placeholder").hidden = true;
    requestBoundSession(session);
    window.WebChat.selfMount({
      selector: "#webchat",
      socketUrl: config.socket_url,
      socketPath: "/socket.io/",
      customData: { customer_token: session.customer_token },
      initPayload: "/greet",
      title: "마이데이터 금융 비서",
      subtitle: session.name + " 님으로 로그인됨",
      inputTextFieldHint: "궁금한 것을 입력하세요 (예: 내 잔액 알려줘)",
      connectingText: "연결 중…",
      embedded: true,
      showFullScreenButton: false,
      customComponent: ChartMessage,
      params: { storage: "session" },
    }, document.getElementById("webchat"));
  }

  function renderPersonas(personas, current) {
    var box = document.getElementById("personas");
    personas.forEach(function (persona, index) {
      var label = document.createElement("label");
      label.className = "persona";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "customer_id";
      input.value = persona.customer_id;
      input.checked = current ? current.customer_id === persona.customer_id : index === 0;
      var name = document.createElement("strong");
      name.textContent = persona.name;
      var description = document.createElement("span");
      description.textContent = persona.description;
      label.append(input, name, description);
      box.append(label);
    });
  }

  function showSignedIn(session) {
    document.getElementById("signed-in").textContent = session.name + " 님으로 로그인했어요.";
    document.getElementById("kakao-form").hidden = false;
    var expiresIn = new Date(session.expires_at) - new Date();
    setTimeout(function () {
      sessionStorage.removeItem(SESSION_KEY);
      document.getElementById("signed-in").textContent = "로그인이 만료되었어요. 다시 로그인해 주세요.";
    }, Math.max(0, expiresIn));
  }

  function signIn(event) {
    event.preventDefault();
    var choice = document.querySelector("input[name=customer_id]:checked");
    if (!choice) return;
    var status = document.getElementById("signed-in");
    status.textContent = "로그인 중…";
    postJson("/api/session", { customer_id: choice.value }).then(function (session) {
      if (!session.ok) { status.textContent = session.message; return; }
      var before = savedSession();
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
      if (before && before.customer_id === session.customer_id && document.querySelector("#webchat *")) {
        showSignedIn(session);
        return;
      }
      sessionStorage.removeItem(WEBCHAT_KEY); // a new customer starts a new conversation
      window.location.reload();
    }).catch(function () { status.textContent = "로그인하지 못했어요. 잠시 후 다시 시도해 주세요."; });
  }

  function linkKakao(event) {
    event.preventDefault();
    var result = document.getElementById("kakao-result");
    var session = savedSession();
    if (!session) { result.textContent = "먼저 로그인해 주세요."; return; }
    var code = document.getElementById("kakao-code").value.trim();
    postJson("/api/kakao-link", { code: code, customer_token: session.customer_token }).then(function (answer) {
      result.textContent = answer.message;
      result.className = "status " + (answer.ok ? "ok" : "error");
    }).catch(function () { result.textContent = "연결하지 못했어요. 잠시 후 다시 시도해 주세요."; });
  }

  Promise.all([fetch("/api/config").then(function (r) { return r.json(); }),
               fetch("/api/personas").then(function (r) { return r.json(); })])
    .then(function (loaded) {
      var config = loaded[0];
      var session = savedSession();
      renderPersonas(loaded[1], session);
      document.getElementById("persona-form").addEventListener("submit", signIn);
      document.getElementById("kakao-form").addEventListener("submit", linkKakao);
      if (session) {
        showSignedIn(session);
        mountWidget(config, session);
      } else {
        sessionStorage.removeItem(WEBCHAT_KEY);
      }
    })
    .catch(function (error) {
      console.error(error);
      var placeholder = document.getElementById("chat-placeholder");
      placeholder.hidden = false;
      placeholder.textContent = "페이지를 불러오지 못했어요. 새로고침해 주세요.";
    });
})();
