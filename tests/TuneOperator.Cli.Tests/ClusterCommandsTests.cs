using System.Text.Json.Nodes;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Cli.Commands;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Cli.Tests;

public sealed class ClusterCommandsTests : IAsyncLifetime
{
    private KubeApiFake fake = null!;

    public async ValueTask InitializeAsync()
    {
        fake = await KubeApiFake.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await fake.LoadCustomResourceDefinitionsAsync(Path.Combine(RepositoryRoot(), "crds"), TestContext.Current.CancellationToken);
        var jobs = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        fake.Put(jobs, Job("alpha", "Running", """
            "progress": {"step": 30, "totalSteps": 120, "epoch": 0.5, "percent": 25, "tokensPerSecond": 900},
            "metrics": {"trainLoss": 1.2345},
            "conditions": [{"type": "Running", "status": "True", "reason": "Training", "message": "step 30", "lastTransitionTime": "2026-11-27T11:00:00Z"}],
            "checkpoints": [{"step": 20, "path": "pvc://ckpt/alpha/step-20", "metric": 1.5}],
            "bestCheckpoint": {"step": 20, "path": "pvc://ckpt/alpha/step-20", "metric": 1.5}
            """));
        fake.Put(jobs, Job("beta", "Succeeded", """
            "output": {"path": "pvc://models/beta"}
            """));
    }

    public async ValueTask DisposeAsync() => await fake.DisposeAsync();

    private static JsonObject Job(string name, string phase, string statusFields) => JsonNode.Parse($$"""
        {
          "apiVersion": "tuneoperator.io/v1alpha1", "kind": "FineTuneJob",
          "metadata": {"name": "{{name}}", "namespace": "default", "creationTimestamp": "2026-11-27T10:00:00Z"},
          "spec": {
            "model": {"source": "pvc://models/base"},
            "dataset": {"train": "pvc://data/train.jsonl", "format": "completion"},
            "output": {"location": "pvc://models/{{name}}"}
          },
          "status": {"phase": "{{phase}}", {{statusFields}}}
        }
        """)!.AsObject();

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "TuneOperator.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("TuneOperator.sln not found above the test output");
    }

    [Fact]
    public async Task Get_lists_jobs_with_phase_progress_loss_and_age()
    {
        using var client = fake.CreateClient();
        using var output = new StringWriter();

        var jobs = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        var created = DateTimeOffset.Parse(fake.Get(jobs, "default", "alpha")!["metadata"]!["creationTimestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        var code = await ClusterCommands.GetAsync(client, "default", output, new FixedTime(created.AddHours(2).AddMinutes(1)), TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^alpha\s+Running\s+25% \(30/120\)\s+1\.2345\s+2h$", lines[1].TrimEnd());
        Assert.Matches(@"^beta\s+Succeeded\s+-\s+-\s+2h$", lines[2].TrimEnd());
    }

    [Fact]
    public async Task Describe_shows_conditions_progress_and_checkpoints()
    {
        using var client = fake.CreateClient();
        using var output = new StringWriter();

        await ClusterCommands.DescribeAsync(client, "default", "alpha", output, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Contains("Phase:      Running", text, StringComparison.Ordinal);
        Assert.Contains("step 30/120 (25%)", text, StringComparison.Ordinal);
        Assert.Matches(@"Running\s+True\s+Training", text);
        Assert.Contains("step 20: pvc://ckpt/alpha/step-20 metric 1.5 (best)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_of_a_missing_job_says_how_to_list_jobs()
    {
        using var client = fake.CreateClient();
        using var output = new StringWriter();

        var error = await Assert.ThrowsAsync<CommandException>(() =>
            ClusterCommands.DescribeAsync(client, "default", "gamma", output, TestContext.Current.CancellationToken));

        Assert.Contains("tune get -n default", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suspend_and_resume_merge_patch_the_run_policy()
    {
        using var client = fake.CreateClient();
        using var output = new StringWriter();

        await ClusterCommands.SetSuspendAsync(client, "default", "alpha", true, output, TestContext.Current.CancellationToken);
        var jobs = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        Assert.True(fake.Get(jobs, "default", "alpha")!["spec"]!["runPolicy"]!["suspend"]!.GetValue<bool>());
        Assert.Equal("pvc://models/base", fake.Get(jobs, "default", "alpha")!["spec"]!["model"]!["source"]!.GetValue<string>());

        await ClusterCommands.SetSuspendAsync(client, "default", "alpha", false, output, TestContext.Current.CancellationToken);
        Assert.False(fake.Get(jobs, "default", "alpha")!["spec"]!["runPolicy"]!["suspend"]!.GetValue<bool>());
        Assert.Contains("suspended", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_pick_the_pod_of_the_newest_attempt()
    {
        using var client = fake.CreateClient();
        foreach (var attempt in new[] { 1, 3, 2 })
        {
            fake.Put(new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"alpha-{attempt}",
                    NamespaceProperty = "default",
                    Labels = new Dictionary<string, string> { [ClusterCommands.JobNameLabel] = "alpha", [ClusterCommands.AttemptLabel] = $"{attempt}" },
                },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = ClusterCommands.TrainerContainer, Image = "tune-trainer" }] },
            });
        }

        var pod = await ClusterCommands.CurrentAttemptPodAsync(client, "default", "alpha", TestContext.Current.CancellationToken);
        var none = await ClusterCommands.CurrentAttemptPodAsync(client, "default", "beta", TestContext.Current.CancellationToken);

        Assert.Equal("alpha-3", pod!.Metadata.Name);
        Assert.Null(none);
        using var output = new StringWriter();
        var error = await Assert.ThrowsAsync<CommandException>(() =>
            ClusterCommands.LogsAsync(client, "default", "beta", false, output, TestContext.Current.CancellationToken));
        Assert.Contains("no trainer pod", error.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
