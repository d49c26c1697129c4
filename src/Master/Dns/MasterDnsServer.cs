using System.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// The master's DNS server (<c>--dns host:port</c>, UDP and TCP): ARSoft's server for the wire
/// format and the loop, <see cref="DnsAnswers"/> for what to say, <paramref name="view"/> for what
/// this master knows at the instant of the query. Never recursive (RA clear; names outside
/// <c>mesos.</c> REFUSED); opcodes other than QUERY get NOTIMP, a message with other than one
/// question FORMERR, bytes that do not parse FORMERR.
/// </summary>
public sealed partial class MasterDnsServer : IDisposable
{
    /// <summary>Concurrent TCP connections at most; more are closed at once.</summary>
    public const int MaxTcpConnections = 64;
    private const int TimeoutMs = 5_000;

    private readonly DnsServer server;
    private readonly Func<DnsView> view;
    private readonly ILogger logger;

    private MasterDnsServer(IPEndPoint endpoint, Func<DnsView> view, TimeProvider time, ILogger logger)
    {
        this.view = view;
        this.logger = logger;
        void OnError(string message) => LogTransportError(logger, message);
        server = new DnsServer(
            new DnsUdpTransport(endpoint, OnError),
            new DnsServerTransport(new TcpServerTransport(endpoint, TimeoutMs, TimeoutMs), MaxTcpConnections, time, OnError));
        server.QueryReceived += (_, e) =>
        {
            e.Response = Respond(e.Query);
            return Task.CompletedTask;
        };
        server.ExceptionThrown += (_, e) =>
        {
            LogTransportError(logger, e.Exception.Message);
            return Task.CompletedTask;
        };
    }

    /// <summary>Binds UDP and TCP on <paramref name="endpoint"/> and starts answering.</summary>
    public static MasterDnsServer Start(IPEndPoint endpoint, Func<DnsView> view, TimeProvider time, ILogger logger)
    {
        var dns = new MasterDnsServer(endpoint, view, time, logger);
        dns.server.Start();
        LogListening(logger, endpoint.ToString(), DnsUdpTransport.CanAnswerMalformed);
        return dns;
    }

    private DnsMessageBase? Respond(DnsMessageBase received)
    {
        if (received is not DnsMessage query) return null; // an UPDATE: the library answers with its failure response
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = false;
        if (query.OperationCode != OperationCode.Query)
        {
            response.ReturnCode = ReturnCode.NotImplemented;
            return response;
        }
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }
        var answer = DnsAnswers.Answer(query.Questions[0], view());
        response.ReturnCode = answer.Code;
        response.IsAuthoritiveAnswer = answer.Authoritative;
        response.AnswerRecords.AddRange(answer.Answers);
        response.AdditionalRecords.AddRange(answer.Additional);
        if (answer.Negative) response.AuthorityRecords.Add(DnsAnswers.Soa);
        LogAnswered(logger, query.Questions[0].Name.ToString(), query.Questions[0].RecordType.ToString(), answer.Code.ToString(), answer.Answers.Count);
        return response;
    }

    public void Dispose() => server.Stop();

    [LoggerMessage(Level = LogLevel.Information, Message = "DNS on {EndPoint} (udp and tcp): leader.mesos, master.mesos, task names (FORMERR for unparseable queries: {AnswersMalformed})")]
    private static partial void LogListening(ILogger logger, string endPoint, bool answersMalformed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DNS {Name} {Type}: {Code}, {Records} records")]
    private static partial void LogAnswered(ILogger logger, string name, string type, string code, int records);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DNS transport: {Reason}")]
    private static partial void LogTransportError(ILogger logger, string reason);
}
