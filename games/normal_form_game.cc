#include "games/normal_form_game.h"

#include <cmath>
#include <utility>

#include "games/check.h"

namespace reesim::games {

NormalFormGame::NormalFormGame(std::vector<std::string> players, std::vector<std::vector<std::string>> strategies)
    : players_(std::move(players)), strategies_(std::move(strategies)) {
  if (players_.empty()) throw GameError("a game needs at least one player");
  if (players_.size() > static_cast<std::size_t>(kMaxPlayers)) {
    throw GameError("a game has " + std::to_string(players_.size()) + " players, more than the limit " +
                    std::to_string(kMaxPlayers));
  }
  if (strategies_.size() != players_.size()) {
    throw GameError("strategy lists for " + std::to_string(strategies_.size()) + " players, but " +
                    std::to_string(players_.size()) + " players");
  }
  num_profiles_ = 1;
  for (std::size_t i = 0; i < players_.size(); ++i) {
    const std::int64_t count = static_cast<std::int64_t>(strategies_[i].size());
    if (count == 0) throw GameError("player " + std::to_string(i + 1) + " has no strategies");
    strides_.push_back(num_profiles_);
    // Checked before multiplying, so the product never overflows.
    if (count > kMaxPayoffEntries || num_profiles_ > kMaxPayoffEntries / count ||
        num_profiles_ * count > kMaxPayoffEntries / static_cast<std::int64_t>(players_.size())) {
      throw GameError("the game has more than " + std::to_string(kMaxPayoffEntries) +
                      " payoffs (profiles x players), the limit");
    }
    num_profiles_ *= count;
    counts_.push_back(static_cast<int>(count));
  }
  exact_.assign(static_cast<std::size_t>(num_profiles_) * players_.size(), Rational(0));
  doubles_.assign(exact_.size(), 0.0);
}

NormalFormGame NormalFormGame::WithCounts(std::vector<std::string> players, const std::vector<int>& counts) {
  std::vector<std::vector<std::string>> strategies;
  for (const int count : counts) {
    if (count < 1 || count > kMaxPayoffEntries) throw GameError("a player has " + std::to_string(count) + " strategies");
    std::vector<std::string> labels;
    for (int j = 1; j <= count; ++j) labels.push_back(std::to_string(j));
    strategies.push_back(std::move(labels));
  }
  return NormalFormGame(std::move(players), std::move(strategies));
}

NormalFormGame NormalFormGame::Bimatrix(const std::vector<std::vector<Rational>>& a,
                                        const std::vector<std::vector<Rational>>& b) {
  if (a.empty() || a[0].empty()) throw GameError("a bimatrix game needs at least one row and one column");
  const std::size_t rows = a.size();
  const std::size_t columns = a[0].size();
  if (b.size() != rows) throw GameError("the two payoff matrices have different numbers of rows");
  for (std::size_t r = 0; r < rows; ++r) {
    if (a[r].size() != columns || b[r].size() != columns) throw GameError("payoff matrix rows of different lengths");
  }
  NormalFormGame game = WithCounts({"1", "2"}, {static_cast<int>(rows), static_cast<int>(columns)});
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      const std::int64_t profile = game.ProfileIndex({static_cast<int>(r), static_cast<int>(c)});
      game.SetPayoff(profile, /*player=*/0, a[r][c]);
      game.SetPayoff(profile, /*player=*/1, b[r][c]);
    }
  }
  return game;
}

int NormalFormGame::TotalStrategies() const {
  int total = 0;
  for (const int count : counts_) total += count;
  return total;
}

std::int64_t NormalFormGame::ProfileIndex(const std::vector<int>& profile) const {
  GAMES_CHECK_EQ(profile.size(), players_.size());
  std::int64_t index = 0;
  for (std::size_t i = 0; i < profile.size(); ++i) {
    GAMES_CHECK(profile[i] >= 0 && profile[i] < counts_[i]);
    index += strides_[i] * profile[i];
  }
  return index;
}

std::vector<int> NormalFormGame::ProfileAt(std::int64_t index) const {
  GAMES_CHECK(index >= 0 && index < num_profiles_);
  std::vector<int> profile(players_.size());
  for (std::size_t i = 0; i < players_.size(); ++i) {
    profile[i] = static_cast<int>(index % counts_[i]);
    index /= counts_[i];
  }
  return profile;
}

void NormalFormGame::SetPayoff(std::int64_t profile, int player, const Rational& value) {
  GAMES_CHECK(profile >= 0 && profile < num_profiles_);
  GAMES_CHECK(player >= 0 && player < NumPlayers());
  Rational& slot = exact_[Slot(profile, player)];
  slot = value;
  slot.canonicalize();  // GMP compares only canonical rationals correctly
  doubles_[Slot(profile, player)] = ToDouble(slot);
}

void NormalFormGame::SetPayoffFromDouble(std::int64_t profile, int player, double value) {
  GAMES_CHECK(profile >= 0 && profile < num_profiles_);
  GAMES_CHECK(player >= 0 && player < NumPlayers());
  GAMES_CHECK(std::isfinite(value));
  mpq_set_d(exact_[Slot(profile, player)].get_mpq_t(), value);  // exact and canonical
  doubles_[Slot(profile, player)] = value;
}

std::vector<std::vector<Rational>> NormalFormGame::PayoffMatrix(int player) const {
  GAMES_CHECK_EQ(NumPlayers(), 2);
  std::vector<std::vector<Rational>> matrix(counts_[0], std::vector<Rational>(counts_[1]));
  for (int r = 0; r < counts_[0]; ++r) {
    for (int c = 0; c < counts_[1]; ++c) matrix[r][c] = Payoff(r + static_cast<std::int64_t>(counts_[0]) * c, player);
  }
  return matrix;
}

Rational NormalFormGame::MinPayoff() const {
  Rational low = exact_[0];
  for (const Rational& value : exact_) {
    if (value < low) low = value;
  }
  return low;
}

Rational NormalFormGame::MaxPayoff() const {
  Rational high = exact_[0];
  for (const Rational& value : exact_) {
    if (value > high) high = value;
  }
  return high;
}

double NormalFormGame::PayoffScale() const {
  const double range = ToDouble(Rational(MaxPayoff() - MinPayoff()));
  return range > 0 ? range : 1.0;
}

bool NormalFormGame::operator==(const NormalFormGame& other) const {
  return title_ == other.title_ && comment_ == other.comment_ && players_ == other.players_ &&
         strategies_ == other.strategies_ && exact_ == other.exact_;
}

MixedProfile UniformProfile(const NormalFormGame& game) {
  MixedProfile profile;
  for (int i = 0; i < game.NumPlayers(); ++i) {
    profile.emplace_back(game.NumStrategies(i), 1.0 / game.NumStrategies(i));
  }
  return profile;
}

}  // namespace reesim::games
