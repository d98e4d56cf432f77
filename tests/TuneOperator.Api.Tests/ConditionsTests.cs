using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class ConditionsTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero));

    [Fact]
    public void New_condition_is_stamped_with_generation_and_time_truncated_to_seconds()
    {
        var conditions = Conditions.Set(null, ConditionTypes.Running, ConditionStatus.True, ConditionReasons.Training, "step 1/10", 3, _clock);

        var condition = Assert.Single(conditions);
        Assert.Equal(ConditionTypes.Running, condition.Type);
        Assert.Equal(ConditionStatus.True, condition.Status);
        Assert.Equal(3, condition.ObservedGeneration);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), condition.LastTransitionTime);
        Assert.Equal("Training", condition.Reason);
        Assert.Equal("step 1/10", condition.Message);
    }

    [Fact]
    public void Unchanged_status_keeps_transition_time_but_updates_reason_message_and_generation()
    {
        var first = Conditions.Set(null, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.Pending, "waiting", 1, _clock);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var second = Conditions.Set(first, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.Training, "training", 2, _clock);

        var condition = Assert.Single(second);
        Assert.Equal(first[0].LastTransitionTime, condition.LastTransitionTime);
        Assert.Equal(ConditionReasons.Training, condition.Reason);
        Assert.Equal(2, condition.ObservedGeneration);
    }

    [Fact]
    public void Changed_status_moves_transition_time_and_keeps_other_conditions_in_order()
    {
        var list = Conditions.Set(null, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.Pending, null, 1, _clock);
        list = Conditions.Set(list, ConditionTypes.Reconciling, ConditionStatus.True, ConditionReasons.Training, null, 1, _clock);
        _clock.Advance(TimeSpan.FromHours(1));

        var updated = Conditions.Set(list, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.Completed, "done", 1, _clock);

        Assert.Equal([ConditionTypes.Ready, ConditionTypes.Reconciling], updated.Select(c => c.Type));
        Assert.Equal(_clock.GetUtcNow().AddMilliseconds(-678), updated[0].LastTransitionTime);
        Assert.True(Conditions.IsTrue(updated, ConditionTypes.Ready));
        Assert.False(Conditions.IsTrue(list, ConditionTypes.Ready));
        Assert.Null(Conditions.Find(updated, ConditionTypes.Stalled));
    }
}
