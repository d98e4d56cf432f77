using TuneOperator.Api.Validation;
using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class ManifestReaderTests
{
    private const string Minimal = """
        apiVersion: tuneoperator.io/v1alpha1
        kind: FineTuneJob
        metadata:
          name: minimal
        spec:
          model:
            source: pvc://models/base
          dataset:
            train: pvc://data/train.jsonl
            format: completion
          output:
            location: pvc://models/out
        """;

    [Fact]
    public void Minimal_job_gets_the_schema_defaults()
    {
        var job = ManifestReader.ReadOrThrow<FineTuneJob>(Minimal);
        Assert.Empty(FineTuneJobValidator.Validate(job));
        Assert.Equal(MethodType.Full, job.Spec.Method.Type);
        Assert.Equal(ObjectiveType.CausalLM, job.Spec.Objective.Type);
        Assert.Equal(2e-4, job.Spec.Hyperparameters.LearningRate);
        Assert.Equal(512, job.Spec.Dataset.MaxSeqLength);
        Assert.Equal(3, job.Spec.Checkpoint.KeepLast);
        Assert.Equal(OutputFormat.Merged, job.Spec.Output.Format);
        Assert.Equal(ImagePullPolicy.IfNotPresent, job.Spec.Trainer.ImagePullPolicy);
        Assert.Null(job.Spec.Evaluation);
    }

    [Fact]
    public void Unknown_field_is_reported_with_its_path_and_a_suggestion()
    {
        var result = ManifestReader.Read(Minimal.Replace("    format: completion", "    format: completion\n    maxSeqlength: 128", StringComparison.Ordinal));
        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.dataset.maxSeqlength", error.Field);
        Assert.Contains("did you mean \"maxSeqLength\"", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Resource);
    }

    [Fact]
    public void Wrong_type_is_reported_with_its_path()
    {
        var result = ManifestReader.Read(Minimal + "\n  hyperparameters:\n    batchSize: [8]\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.hyperparameters.batchSize", error.Field);
        Assert.Contains("expected an integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_numbers_are_strings_and_plain_numbers_are_numbers()
    {
        var result = ManifestReader.Read(Minimal + "\n  hyperparameters:\n    epochs: \"2\"\n");
        Assert.Equal("spec.hyperparameters.epochs", Assert.Single(result.Errors).Field);
        var job = ManifestReader.ReadOrThrow<FineTuneJob>(Minimal + "\n  hyperparameters:\n    epochs: 2\n    learningRate: 1e-4\n");
        Assert.Equal(2, job.Spec.Hyperparameters.Epochs);
        Assert.Equal(1e-4, job.Spec.Hyperparameters.LearningRate);
    }

    [Fact]
    public void Duplicate_fields_and_yaml_syntax_errors_are_reported()
    {
        var duplicate = ManifestReader.Read(Minimal.Replace("    format: completion", "    format: completion\n    format: chat", StringComparison.Ordinal));
        Assert.Equal("spec.dataset.format", Assert.Single(duplicate.Errors).Field);

        var broken = ManifestReader.Read("apiVersion: tuneoperator.io/v1alpha1\nkind: [FineTuneJob\n");
        Assert.Contains("invalid YAML at line", Assert.Single(broken.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_field_is_reported()
    {
        var result = ManifestReader.Read(Minimal.Replace("  output:\n    location: pvc://models/out", "", StringComparison.Ordinal));
        Assert.Equal("spec.output", Assert.Single(result.Errors).Field);
    }

    [Fact]
    public void Unknown_kind_and_wrong_expected_kind_are_reported()
    {
        Assert.Equal("kind", Assert.Single(ManifestReader.Read(Minimal.Replace("kind: FineTuneJob", "kind: TrainJob", StringComparison.Ordinal)).Errors).Field);
        Assert.Equal("kind", Assert.Single(ManifestReader.Read<ModelDeployment>(Minimal).Errors).Field);
    }

    [Fact]
    public void Unknown_metadata_field_and_non_string_labels_are_reported()
    {
        var result = ManifestReader.Read(Minimal.Replace("  name: minimal", "  name: minimal\n  label: x\n  labels:\n    tier: 1", StringComparison.Ordinal));
        Assert.Equal(["metadata.label", "metadata.labels[tier]"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Multi_document_streams_are_read_one_by_one()
    {
        var results = ManifestReader.ReadAll(Minimal + "\n---\n" + Minimal.Replace("name: minimal", "name: second", StringComparison.Ordinal));
        Assert.Equal(["minimal", "second"], results.Select(r => ((FineTuneJob)r.Resource!).Metadata.Name));
        Assert.Contains("exactly one YAML document", Assert.Single(ManifestReader.Read(Minimal + "\n---\n" + Minimal).Errors).Message, StringComparison.Ordinal);
    }
}
