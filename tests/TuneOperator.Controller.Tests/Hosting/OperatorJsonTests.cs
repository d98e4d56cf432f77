using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Tests.FineTuneJobs;
using Xunit;

namespace TuneOperator.Controller.Tests.Hosting;

/// <summary>
/// The operator reads and writes the API only through <see cref="OperatorJson"/> (the source-generated
/// <see cref="OperatorJsonContext"/>): a type missing from the context fails at run time, and times must be written as
/// the API server writes them.
/// </summary>
public sealed class OperatorJsonTests
{
    [Theory]
    [InlineData(typeof(FineTuneJob))]
    [InlineData(typeof(KubernetesList<FineTuneJob>))]
    [InlineData(typeof(V1Pod))]
    [InlineData(typeof(KubernetesList<V1Pod>))]
    [InlineData(typeof(V1Secret))]
    [InlineData(typeof(V1Lease))]
    [InlineData(typeof(Corev1Event))]
    [InlineData(typeof(V1Status))]
    [InlineData(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
    public void The_context_has_a_contract_for_each_type_on_the_operators_paths(Type type)
    {
        Assert.NotNull(OperatorJson.Options.GetTypeInfo(type));
    }

    [Fact]
    public void Times_are_rfc3339_in_utc_with_microseconds_only_when_there_is_a_fraction()
    {
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "leader", CreationTimestamp = new DateTime(2026, 11, 27, 22, 0, 5, DateTimeKind.Utc) },
            Spec = new V1LeaseSpec { RenewTime = new DateTime(2026, 11, 27, 22, 0, 5, DateTimeKind.Utc).AddTicks(1234567) },
        };

        var json = JsonNode.Parse(OperatorJson.Serialize(lease))!;
        var back = OperatorJson.Deserialize<V1Lease>(System.Text.Encoding.UTF8.GetBytes("""{"spec":{"renewTime":"2026-11-27T22:00:05.123456789Z"}}"""))!;

        Assert.Equal("2026-11-27T22:00:05Z", (string?)json["metadata"]!["creationTimestamp"]);
        Assert.Equal("2026-11-27T22:00:05.123456Z", (string?)json["spec"]!["renewTime"]);
        Assert.Null(json["spec"]!["holderIdentity"]);
        Assert.Equal(new DateTime(2026, 11, 27, 22, 0, 5, DateTimeKind.Utc).AddTicks(1234567), back.Spec.RenewTime);
    }

    [Fact]
    public void Api_enums_are_written_as_their_names_and_properties_in_camel_case()
    {
        var job = TestJobs.Minimal("j");
        job.Status = new FineTuneJobStatus { Phase = JobPhase.Running, ObservedGeneration = 3 };

        var json = JsonNode.Parse(OperatorJson.Serialize(job))!;

        Assert.Equal("Running", (string?)json["status"]!["phase"]);
        Assert.Equal(3, (long?)json["status"]!["observedGeneration"]);
    }
}
