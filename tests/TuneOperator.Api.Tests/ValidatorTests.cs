using k8s.Models;
using TuneOperator.Api.Validation;
using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class ValidatorTests
{
    private static FineTuneJob Job(Action<FineTuneJobSpec>? change = null)
    {
        var job = ManifestReader.ReadOrThrow<FineTuneJob>(File.ReadAllText(Path.Combine(RepoPaths.Samples, "finetunejob-full.yaml")));
        change?.Invoke(job.Spec);
        return job;
    }

    [Fact]
    public void Spec_changes_other_than_run_policy_are_rejected_on_update()
    {
        var errors = FineTuneJobValidator.ValidateUpdate(Job(), Job(s => s.Hyperparameters.LearningRate = 1e-3));
        Assert.Equal("spec.hyperparameters", Assert.Single(errors).Field);

        var model = FineTuneJobValidator.ValidateUpdate(Job(), Job(s => s.Model = new ModelSpec { Source = "pvc://models/other" }));
        Assert.Equal("spec.model", Assert.Single(model).Field);

        var evaluation = FineTuneJobValidator.ValidateUpdate(Job(), Job(s => s.Evaluation = new EvaluationSpec { EverySteps = 10 }));
        Assert.Equal("spec.evaluation", Assert.Single(evaluation).Field);
    }

    [Fact]
    public void Suspend_and_run_policy_may_change()
    {
        Assert.Empty(FineTuneJobValidator.ValidateUpdate(Job(), Job(s => s.RunPolicy.Suspend = true)));
        Assert.Empty(FineTuneJobValidator.ValidateUpdate(Job(), Job(s => s.RunPolicy.BackoffLimit = 10)));
    }

    [Fact]
    public void Resources_may_change_only_while_suspended()
    {
        Assert.Equal("spec.resources", Assert.Single(FineTuneJobValidator.ValidateUpdate(Job(), Job(s => s.Resources.Gpus = 2))).Field);

        var suspended = Job(s => s.RunPolicy.Suspend = true);
        Assert.Empty(FineTuneJobValidator.ValidateUpdate(suspended, Job(s =>
        {
            s.RunPolicy.Suspend = true;
            s.Resources.NodeSelector = new() { ["cloud.google.com/gke-accelerator"] = "nvidia-h100-80gb" };
        })));
    }

    [Fact]
    public void Errors_name_the_field_and_say_how_to_fix_it()
    {
        var job = Job(s => s.Hyperparameters.LearningRate = -1);
        var error = Assert.Single(FineTuneJobValidator.Validate(job));
        Assert.Equal("spec.hyperparameters.learningRate", error.Field);
        Assert.Equal("must be greater than 0, got -1", error.Message);

        var exception = Assert.Throws<ValidationException>(() => FineTuneJobValidator.ThrowIfInvalid(job));
        Assert.Contains("spec.hyperparameters.learningRate: must be greater than 0", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_is_required_and_must_fit_pod_names()
    {
        var unnamed = Job();
        unnamed.Metadata = new V1ObjectMeta();
        Assert.Equal("metadata.name", Assert.Single(FineTuneJobValidator.Validate(unnamed)).Field);

        var upper = Job();
        upper.Metadata.Name = "My_Job";
        Assert.Equal("metadata.name", Assert.Single(FineTuneJobValidator.Validate(upper)).Field);
    }

    [Fact]
    public void Sweep_parameter_values_are_checked_against_the_target_field()
    {
        var sweep = ManifestReader.ReadOrThrow<FineTuneSweep>(File.ReadAllText(Path.Combine(RepoPaths.Samples, "finetunesweep-lora.yaml")));
        Assert.Empty(FineTuneSweepValidator.Validate(sweep));

        sweep.Spec.Parameters[1].Values![0] = System.Text.Json.Nodes.JsonValue.Create(0);
        var error = Assert.Single(FineTuneSweepValidator.Validate(sweep));
        Assert.Equal("spec.parameters[1].values[0]", error.Field);
        Assert.Equal("must be at least 1, got 0", error.Message);
    }

    [Fact]
    public void Sweep_template_is_immutable_but_parallelism_may_change()
    {
        FineTuneSweep Read() => ManifestReader.ReadOrThrow<FineTuneSweep>(File.ReadAllText(Path.Combine(RepoPaths.Samples, "finetunesweep-lora.yaml")));
        var wider = Read();
        wider.Spec.MaxParallel = 4;
        Assert.Empty(FineTuneSweepValidator.ValidateUpdate(Read(), wider));

        var changed = Read();
        changed.Spec.Template.Hyperparameters.Epochs = 2;
        Assert.Equal("spec.template", Assert.Single(FineTuneSweepValidator.ValidateUpdate(Read(), changed)).Field);
    }

    [Fact]
    public void Durations_parse()
    {
        Assert.Equal(TimeSpan.FromMinutes(90), Durations.Parse("1h30m"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), Durations.Parse("250ms"));
        Assert.False(Durations.TryParse("5 minutes", out _));
        Assert.Throws<FormatException>(() => Durations.Parse("1d"));
    }
}
