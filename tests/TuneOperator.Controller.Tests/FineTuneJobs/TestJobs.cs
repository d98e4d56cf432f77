using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

/// <summary>FineTuneJobs the controller tests create.</summary>
internal static class TestJobs
{
    /// <summary>The smallest valid job in <c>default</c>: a model and data on claims, output on a results claim.</summary>
    public static FineTuneJob Minimal(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://models/base" },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl", Format = DatasetFormat.Instruction },
            Output = new OutputSpec { Location = "pvc://results/" + name },
        },
    };
}
