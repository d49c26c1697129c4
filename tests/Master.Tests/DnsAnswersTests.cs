using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Mesos.HA.Master.Dns;
using Xunit;

namespace Mesos.HA.Master.Tests;

public sealed class DnsAnswersTests
{
    private static readonly IPAddress LeaderIp = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress[] Masters = [IPAddress.Parse("10.0.0.1"), LeaderIp, IPAddress.Parse("10.0.0.3")];

    private static DnsView View(bool leading = true, bool known = true, bool leaderKnown = true, params DnsTask[] tasks) =>
        new(leaderKnown ? new DnsView.LeaderAddress(LeaderIp, 5050) : null, Masters, DnsZone.Build(tasks), known, leading);

    private static DnsAnswer Ask(string name, RecordType type, DnsView view) =>
        DnsAnswers.Answer(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet), view);

    [Theory]
    [InlineData("web", "web")]
    [InlineData("Web Server #1", "web-server-1")]
    [InlineData("--a__b--", "a-b")]
    [InlineData("Marathon", "marathon")]
    [InlineData("😀", null)]
    public void Labels_AreMesosDnsLabels(string name, string? label) => Assert.Equal(label, DnsNames.Label(name));

    [Fact]
    public void Labels_AreAtMost63Characters_AndInstanceLabelsToo()
    {
        Assert.Equal(63, DnsNames.Label(new string('a', 100))!.Length);
        Assert.True(DnsNames.InstanceLabel(new string('a', 63), "task-" + new string('1', 40)).Length <= 63);
    }

    [Fact]
    public void LeaderMesos_IsTheLeader_WithAOneSecondTtl_AndServFailWhileNoLeaderIsKnown()
    {
        var a = Assert.IsType<ARecord>(Assert.Single(Ask("leader.mesos", RecordType.A, View()).Answers));
        Assert.Equal(LeaderIp, a.Address);
        Assert.Equal(DnsAnswers.LeaderTtl, a.TimeToLive);
        var srv = Ask("_leader._tcp.mesos", RecordType.Srv, View());
        Assert.Equal(5050, Assert.IsType<SrvRecord>(Assert.Single(srv.Answers)).Port);
        Assert.Single(srv.Additional);
        Assert.Equal(ReturnCode.ServerFailure, Ask("leader.mesos", RecordType.A, View(leaderKnown: false)).Code);
        Assert.Equal(ReturnCode.ServerFailure, Ask("_leader._tcp.mesos", RecordType.Srv, View(leaderKnown: false)).Code);
    }

    [Fact]
    public void MasterMesos_IsEveryMaster()
    {
        var answer = Ask("master.mesos", RecordType.A, View());
        Assert.Equal(Masters, answer.Answers.OfType<ARecord>().Select(r => r.Address));
    }

    [Fact]
    public void TaskNames_AnswerEveryAgentRunningThem_AndSrvRecordsPairEachPortWithItsAgent()
    {
        var view = View(tasks:
        [
            new DnsTask("Web", "Marathon", "web.1", "10.1.0.1", [31000, 31001]),
            new DnsTask("Web", "Marathon", "web.2", "10.1.0.2", [31005]),
            new DnsTask("db", "Marathon", "db.1", "10.1.0.1", []),
        ]);
        var a = Ask("web.marathon.mesos", RecordType.A, view);
        Assert.Equal(["10.1.0.1", "10.1.0.2"], a.Answers.OfType<ARecord>().Select(r => r.Address.ToString()));
        Assert.True(a.Authoritative);
        Assert.Equal(2, Ask("web.marathon.slave.mesos", RecordType.A, view).Answers.Count);

        var srv = Ask("_web._tcp.marathon.mesos", RecordType.Srv, view);
        var records = srv.Answers.OfType<SrvRecord>().ToArray();
        Assert.Equal([31000, 31001, 31005], records.Select(r => (int)r.Port));
        foreach (var record in records)
        {
            var target = Ask(record.Target.ToString(false).TrimEnd('.'), RecordType.A, view);
            var expected = record.Port == 31005 ? "10.1.0.2" : "10.1.0.1";
            Assert.Equal(expected, Assert.IsType<ARecord>(Assert.Single(target.Answers)).Address.ToString());
            Assert.Contains(srv.Additional.OfType<ARecord>(), r => r.Name.Equals(record.Target) && r.Address.ToString() == expected);
        }
        Assert.Equal(3, Ask("_web._udp.marathon.mesos", RecordType.Srv, view).Answers.Count);
        // A task without ports has a name but no SRV records.
        Assert.Empty(Ask("_db._tcp.marathon.mesos", RecordType.Srv, view).Answers);
    }

    [Fact]
    public void UnknownNames_AreNxDomain_OtherTypesNoData_OtherZonesRefused()
    {
        var view = View(tasks: new DnsTask("web", "marathon", "w1", "10.1.0.1", []));
        var missing = Ask("api.marathon.mesos", RecordType.A, view);
        Assert.Equal(ReturnCode.NxDomain, missing.Code);
        Assert.True(missing.Negative);
        Assert.Equal(ReturnCode.NxDomain, Ask("a.b.c.d.e.mesos", RecordType.A, view).Code);
        var noData = Ask("web.marathon.mesos", RecordType.Mx, view);
        Assert.Equal(ReturnCode.NoError, noData.Code);
        Assert.True(noData.Negative);
        Assert.Equal(ReturnCode.Refused, Ask("example.com", RecordType.A, view).Code);
        Assert.Equal(ReturnCode.Refused, Ask("mesos.example.com", RecordType.A, view).Code);
        Assert.Equal(ReturnCode.Refused, DnsAnswers.Answer(new DnsQuestion(DomainName.Parse("leader.mesos"), RecordType.A, RecordClass.Chaos), view).Code);
        Assert.Equal(DnsAnswers.Soa, Assert.Single(Ask("mesos", RecordType.Soa, view).Answers));
    }

    [Fact]
    public void AFollowerWithoutACopyOfTheTasks_SaysServFail_NotNxDomain_AndItsCopyIsNotAuthoritative()
    {
        Assert.Equal(ReturnCode.ServerFailure, Ask("web.marathon.mesos", RecordType.A, View(leading: false, known: false)).Code);
        var copy = Ask("web.marathon.mesos", RecordType.A, View(leading: false, tasks: new DnsTask("web", "marathon", "w1", "10.1.0.1", [])));
        Assert.Equal(ReturnCode.NoError, copy.Code);
        Assert.False(copy.Authoritative);
        // The leader's and the masters' names do not depend on the copy.
        Assert.Equal(ReturnCode.NoError, Ask("leader.mesos", RecordType.A, View(leading: false, known: false)).Code);
    }

    [Fact]
    public void Answers_AreBounded()
    {
        var tasks = Enumerable.Range(0, 200).Select(i => new DnsTask("web", "marathon", $"w{i}", $"10.2.{i / 250}.{i % 250 + 1}", [31000 + i])).ToArray();
        var view = View(tasks: tasks);
        Assert.Equal(DnsAnswers.MaxRecords, Ask("web.marathon.mesos", RecordType.A, view).Answers.Count);
        var srv = Ask("_web._tcp.marathon.mesos", RecordType.Srv, view);
        Assert.Equal(DnsAnswers.MaxRecords, srv.Answers.Count);
        Assert.True(srv.Additional.Count <= DnsAnswers.MaxRecords);
    }

    [Fact]
    public void TasksOnAgentsWithoutAnIpv4Address_OrWithoutALabel_GetNoName()
    {
        var view = View(tasks: [new DnsTask("web", "marathon", "w1", "agent.example", []), new DnsTask("!!!", "marathon", "w2", "10.0.0.9", [])]);
        Assert.Equal(ReturnCode.NxDomain, Ask("web.marathon.mesos", RecordType.A, view).Code);
    }
}
