using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class SerializationTests
{
    private static FineTuneJob Job() => new()
    {
        Metadata = new V1ObjectMeta { Name = "demo", NamespaceProperty = "ml" },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://models/base" },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl", Format = DatasetFormat.Instruction },
            Method = new MethodSpec { Type = MethodType.Lora, Lora = new LoraSpec() },
            Objective = new ObjectiveSpec { Type = ObjectiveType.ResponseOnly },
            Output = new OutputSpec { Location = "pvc://models/out", Format = OutputFormat.Adapter },
        },
        Status = new FineTuneJobStatus { Phase = JobPhase.Running, Metrics = new() { [MetricNames.TrainLoss] = 1.5 } },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Enums_use_the_api_strings_and_nulls_are_omitted(bool kubernetesJson)
    {
        var json = kubernetesJson ? KubernetesJson.Serialize(Job()) : JsonSerializer.Serialize(Job(), ApiJson.Options);
        var node = JsonNode.Parse(json)!;

        Assert.Equal("tuneoperator.io/v1alpha1", node["apiVersion"]!.GetValue<string>());
        Assert.Equal("FineTuneJob", node["kind"]!.GetValue<string>());
        Assert.Equal("lora", node["spec"]!["method"]!["type"]!.GetValue<string>());
        Assert.Equal("responseOnly", node["spec"]!["objective"]!["type"]!.GetValue<string>());
        Assert.Equal("instruction", node["spec"]!["dataset"]!["format"]!.GetValue<string>());
        Assert.Equal("adapter", node["spec"]!["output"]!["format"]!.GetValue<string>());
        Assert.Equal("fp32", node["spec"]!["hyperparameters"]!["precision"]!.GetValue<string>());
        Assert.Equal("Running", node["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(1.5, node["status"]!["metrics"]!["trainLoss"]!.GetValue<double>());
        Assert.False(node["spec"]!.AsObject().ContainsKey("evaluation"));
        Assert.False(node["spec"]!["model"]!.AsObject().ContainsKey("fromJob"));
        Assert.False(node["status"]!.AsObject().ContainsKey("conditions"));
    }

    [Fact]
    public void Round_trip_through_kubernetes_json_keeps_every_value()
    {
        var job = Job();
        var back = KubernetesJson.Deserialize<FineTuneJob>(KubernetesJson.Serialize(job));
        Assert.Equal(job.Spec.Method, back.Spec.Method);
        Assert.Equal(job.Spec.Hyperparameters, back.Spec.Hyperparameters);
        Assert.Equal(job.Spec.Model, back.Spec.Model);
        Assert.Equal(job.Spec.Output, back.Spec.Output);
        Assert.Equal("ml", back.Metadata.NamespaceProperty);
        Assert.Equal(JobPhase.Running, back.Status!.Phase);
    }

    [Fact]
    public void Condition_serialises_in_the_metav1_shape()
    {
        var condition = new Condition
        {
            Type = ConditionTypes.Stalled,
            Status = ConditionStatus.True,
            ObservedGeneration = 4,
            LastTransitionTime = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero),
            Reason = ConditionReasons.BackoffLimitExceeded,
            Message = "pod failed 4 times",
        };
        var node = JsonSerializer.SerializeToNode(condition, ApiJson.Options)!;
        Assert.Equal("True", node["status"]!.GetValue<string>());
        Assert.Equal("BackoffLimitExceeded", node["reason"]!.GetValue<string>());
        Assert.Equal(4, node["observedGeneration"]!.GetValue<long>());
        Assert.StartsWith("2026-03-01T08:00:00", node["lastTransitionTime"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
