using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TuneOperator.Api.Validation;
using TuneOperator.Testing.Kube;
using TuneOperator.Testing.Tools;
using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

/// <summary>The fake checks our real CRDs' schemas and CEL rules on writes, as kube-apiserver does.</summary>
public sealed class SchemaValidationTests : IAsyncLifetime
{
    private KubeApiFake? fake;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        await fake.LoadCustomResourceDefinitionsAsync(Repository.Path("crds"), Ct);
        fake.CustomResourceValidator = SchemaValidation.Create();
    }

    public async ValueTask DisposeAsync()
    {
        if (fake is not null)
        {
            await fake.DisposeAsync();
        }
    }

    private static JsonObject Sample(string file) =>
        (JsonObject)ManifestReader.ToJson(File.ReadAllText(Repository.Path("config", "samples", file)))[0]!;

    private async Task<HttpOperationException> RejectedAsync(Func<Task> write)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(write);
        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        return error;
    }

    [Fact]
    public async Task Samples_are_accepted_and_invalid_specs_rejected_with_the_field_path()
    {
        using var client = fake!.CreateClient();
        var job = Sample("finetunejob-instruction-lora.yaml");
        job["metadata"]!["namespace"] = "default";

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(job, "tuneoperator.io", "v1alpha1", "default", "finetunejobs", cancellationToken: Ct);
        var bad = (JsonObject)job.DeepClone();
        bad["metadata"]!["name"] = "bad-rate";
        bad["spec"]!["hyperparameters"]!["learningRate"] = -0.5;
        var rejected = await RejectedAsync(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(bad, "tuneoperator.io", "v1alpha1", "default", "finetunejobs", cancellationToken: Ct));

        Assert.Contains("spec.hyperparameters.learningRate", rejected.Response.Content, StringComparison.Ordinal);
        Assert.Null(fake.Get(fake.Resource("tuneoperator.io", "v1alpha1", "finetunejobs"), "default", "bad-rate"));
    }

    [Fact]
    public async Task The_spec_is_immutable_but_run_policy_may_change()
    {
        using var client = fake!.CreateClient();
        var job = Sample("finetunejob-instruction-lora.yaml");
        var name = (string)job["metadata"]!["name"]!;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(job, "tuneoperator.io", "v1alpha1", "default", "finetunejobs", cancellationToken: Ct);

        var suspend = new V1Patch("""{"spec":{"runPolicy":{"suspend":true}}}""", V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(suspend, "tuneoperator.io", "v1alpha1", "default", "finetunejobs", name, cancellationToken: Ct);
        var changeRate = new V1Patch("""{"spec":{"hyperparameters":{"learningRate":0.5}}}""", V1Patch.PatchType.MergePatch);
        var rejected = await RejectedAsync(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(changeRate, "tuneoperator.io", "v1alpha1", "default", "finetunejobs", name, cancellationToken: Ct));

        Assert.Contains("spec.hyperparameters", rejected.Response.Content, StringComparison.Ordinal);
        var stored = fake.Get(fake.Resource("tuneoperator.io", "v1alpha1", "finetunejobs"), "default", name)!;
        Assert.True((bool)stored["spec"]!["runPolicy"]!["suspend"]!);
        Assert.Equal((double)job["spec"]!["hyperparameters"]!["learningRate"]!, (double)stored["spec"]!["hyperparameters"]!["learningRate"]!);
    }
}
