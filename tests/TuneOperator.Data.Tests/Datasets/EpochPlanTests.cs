using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class EpochPlanTests
{
    [Fact]
    public void One_source_is_a_seeded_permutation_per_epoch()
    {
        var first = EpochPlan.Build([100], [1], 42, 0, shuffle: true).Order;
        var again = EpochPlan.Build([100], [1], 42, 0, shuffle: true).Order;
        var nextEpoch = EpochPlan.Build([100], [1], 42, 1, shuffle: true).Order;
        var otherSeed = EpochPlan.Build([100], [1], 43, 0, shuffle: true).Order;

        Assert.Equal(Enumerable.Range(0, 100), first.Select(r => r.Example).Order());
        Assert.Equal(first, again);
        Assert.NotEqual(first, nextEpoch);
        Assert.NotEqual(first, otherSeed);
        Assert.NotEqual(Enumerable.Range(0, 100), first.Select(r => r.Example));
    }

    [Fact]
    public void Without_shuffling_the_file_order_is_kept()
    {
        var order = EpochPlan.Build([5], [1], 42, 3, shuffle: false).Order;
        Assert.Equal([0, 1, 2, 3, 4], order.Select(r => r.Example));
    }

    [Fact]
    public void Mixing_follows_the_weights_with_repeats_and_subsets()
    {
        var plan = EpochPlan.Build([100, 900, 1000], [2, 1, 1], 5, 0, shuffle: true);

        Assert.Equal([1000L, 500, 500], plan.CountsPerSource);
        Assert.Equal(2000, plan.Order.Count);
        Assert.Equal(plan.CountsPerSource, Enumerable.Range(0, 3).Select(s => (long)plan.Order.Count(r => r.Source == s)));

        var small = plan.Order.Where(r => r.Source == 0).Select(r => r.Example).ToList();
        Assert.All(small.GroupBy(e => e), g => Assert.Equal(10, g.Count()));
        Assert.Equal(500, plan.Order.Where(r => r.Source == 1).Select(r => r.Example).Distinct().Count());

        // Proportions hold along the epoch, not only over the whole of it.
        var firstTenth = plan.Order.Take(200).Count(r => r.Source == 0);
        Assert.InRange(firstTenth, 70, 130);
    }

    [Fact]
    public void Fractional_weights_round_to_exact_totals()
    {
        var plan = EpochPlan.Build([10, 10, 10], [1, 1, 1], 1, 0, shuffle: true);
        Assert.Equal([10L, 10, 10], plan.CountsPerSource);

        var uneven = EpochPlan.Build([7, 3], [0.3, 0.7], 1, 0, shuffle: true);
        Assert.Equal([3L, 7], uneven.CountsPerSource);
    }

    [Fact]
    public void Mixing_is_deterministic_and_changes_per_epoch()
    {
        var a = EpochPlan.Build([50, 80], [1, 3], 9, 2, shuffle: true).Order;
        var b = EpochPlan.Build([50, 80], [1, 3], 9, 2, shuffle: true).Order;
        var c = EpochPlan.Build([50, 80], [1, 3], 9, 3, shuffle: true).Order;

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Unshuffled_mixing_spreads_sources_evenly()
    {
        var plan = EpochPlan.Build([2, 4], [1, 1], 0, 0, shuffle: false);

        Assert.Equal([0, 1, 0, 1, 0, 1], plan.Order.Select(r => r.Source));
        Assert.Equal([0, 0, 1, 1, 0, 2], plan.Order.Select(r => r.Example));
    }

    [Fact]
    public void A_source_without_examples_is_refused()
    {
        Assert.Throws<ArgumentException>(() => EpochPlan.Build([3, 0], [1, 1], 0, 0, shuffle: true));
    }
}
