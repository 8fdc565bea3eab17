// The classroom's game, journal and secrets, without sockets (the server's tests are in
// classroom_server_test.cc).
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "classroom.pb.h"
#include "classroom/game.h"
#include "classroom/journal.h"
#include "classroom/replay.h"
#include "classroom/tokens.h"
#include "classroom/what_if.h"
#include "run/snapshot_io.h"
#include "tests/test_support.h"

namespace reesim::classroom {
namespace {

// Deterministic secrets for tests.
class CountingTokens : public TokenSource {
 public:
  std::string Token() override {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%032x", ++count_);
    return buffer;
  }
  std::string JoinCode() override {
    std::string code = "CODE";
    int n = ++codes_;
    code += kJoinCodeAlphabet[n / 31 % 31];
    code += kJoinCodeAlphabet[n % 31];
    return code;
  }

 private:
  int count_ = 0;
  int codes_ = 0;
};

wire::ClientMessage Parse(const std::string& json) {
  wire::ClientMessage message;
  const std::string error = ParseClientMessage(json, message);
  REQUIRE_MESSAGE(error.empty(), error);
  return message;
}

// A game with its records, as the server keeps them: every accepted record is applied and kept.
struct Played {
  explicit Played(const NewGameOptions& options = {}) {
    records.push_back(NewGame(options, tokens));
    game = std::make_unique<Game>(records[0].created());
  }
  // Handles a message; applies its record if it has one. Returns the reply (an error or the applied reply).
  wire::ServerMessage Send(const std::string& json) {
    const Handled handled = game->Handle(Parse(json), tokens);
    if (!handled.record) return handled.reply;
    records.push_back(*handled.record);
    return game->Apply(*handled.record).reply;
  }
  std::string Join(const std::string& actor, const std::string& name) {
    const wire::ServerMessage welcome = Send(R"({"join":{"code":")" + game->join_code(game->world().FindActor(actor)) +
                                             R"(","name":")" + name + R"("}})");
    REQUIRE(welcome.has_welcome());
    return welcome.welcome().token();
  }
  wire::ServerMessage Teacher(const std::string& command) {
    return Send(R"({"teacher":{"token":")" + game->teacher_token() + R"(","command":")" + command + R"("}})");
  }
  wire::ServerMessage Submit(const std::string& token, int round, const std::string& action) {
    return Send(R"({"submit":{"token":")" + token + R"(","round":)" + std::to_string(round) + R"(,"action":")" + action + R"("}})");
  }

  CountingTokens tokens;
  std::vector<wire::JournalRecord> records;
  std::unique_ptr<Game> game;
};

std::unique_ptr<Game> Replay(const std::vector<wire::JournalRecord>& records) {
  auto game = std::make_unique<Game>(records.at(0).created());
  for (std::size_t i = 1; i < records.size(); ++i) game->Apply(records[i]);
  return game;
}

TEST_CASE("Classroom.TokensAre128BitHexAndCodesUseTheAlphabet") {
  OsTokenSource source;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = source.Token();
    CHECK(token.size() == 32);
    CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(token);
    const std::string code = source.JoinCode();
    CHECK(code.size() == kJoinCodeLength);
    CHECK(code.find_first_not_of(kJoinCodeAlphabet) == std::string::npos);
  }
  CHECK(seen.size() == 100);
  CHECK(NormaliseCode(" ab-c d ") == "ABCD");
}

TEST_CASE("Classroom.JournalReadsBackWhatItWrote") {
  testing::TempDir dir;
  std::vector<std::string> records;
  std::string warning;
  {
    Journal journal(dir.File("journal"), records, warning);
    CHECK(records.empty());
    journal.Append("first");
    journal.Append(std::string(100000, 'x'));
    journal.Append("");
    journal.Sync();
  }
  Journal again(dir.File("journal"), records, warning);
  CHECK(warning.empty());
  REQUIRE(records.size() == 3);
  CHECK(records[0] == "first");
  CHECK(records[1].size() == 100000);
  CHECK(records[2].empty());
}

TEST_CASE("Classroom.JournalDropsATornLastRecordAndAppendsAfterIt") {
  testing::TempDir dir;
  const std::string path = dir.File("journal");
  std::vector<std::string> records;
  std::string warning;
  {
    Journal journal(path, records, warning);
    journal.Append("one");
    journal.Append("two");
    journal.Sync();
  }
  const std::string whole = testing::FileBytes(path);
  SUBCASE("cut short") {
    for (std::size_t cut = 1; cut < 3 + 8; ++cut) {
      testing::WriteBytes(path, whole.substr(0, whole.size() - cut));
      Journal journal(path, records, warning);
      REQUIRE(records.size() == 1);
      CHECK(records[0] == "one");
      CHECK(warning.find("torn") != std::string::npos);
    }
  }
  SUBCASE("a flipped byte") {
    std::string bad = whole;
    bad[bad.size() - 1] ^= 0x20;
    testing::WriteBytes(path, bad);
    {
      Journal journal(path, records, warning);
      CHECK(records.size() == 1);
      journal.Append("three");
      journal.Sync();
    }
    Journal journal(path, records, warning);
    CHECK(warning.empty());
    REQUIRE(records.size() == 2);
    CHECK(records[1] == "three");
  }
  SUBCASE("not a journal") {
    testing::WriteBytes(path, "hello world, not a journal");
    CHECK_THROWS_WITH_AS(Journal(path, records, warning), doctest::Contains("not a reesim classroom journal"),
                         std::runtime_error);
  }
}

// A write that fails half way (here the file-size limit, as a full disk would) leaves no torn bytes
// behind: the records appended after it are read back on restart.
TEST_CASE("Classroom.AFailedAppendLeavesNoTornBytesBeforeTheNextRecord") {
  testing::TempDir dir;
  const std::string path = dir.File("journal");
  std::vector<std::string> records;
  std::string warning;
  {
    Journal journal(path, records, warning);
    journal.Append("one");
    journal.Sync();
    const std::uint64_t before = journal.bytes();
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = saved;
    small.rlim_cur = before + 20;  // the 1,000-byte record gets 20 bytes in, then EFBIG
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    CHECK_THROWS_AS(journal.Append(std::string(1000, 'x')), std::runtime_error);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    CHECK(journal.bytes() == before);
    CHECK(testing::FileBytes(path).size() == before);
    journal.Append("three");
    journal.Sync();
  }
  Journal journal(path, records, warning);
  CHECK(warning.empty());
  REQUIRE(records.size() == 2);
  CHECK(records[1] == "three");
}

TEST_CASE("Classroom.NewGameGivesEverySeatACodeAndTheTeacherAToken") {
  Played played;
  const wire::Created& created = played.records[0].created();
  CHECK(created.teacher_token().size() == 32);
  CHECK(created.seats_size() == 14);  // the baseline's actors but the rest of the world
  std::set<std::string> codes;
  for (const auto& seat : created.seats()) codes.insert(seat.code());
  CHECK(codes.size() == 14);
  CHECK(played.game->phase() == Phase::kLobby);
  CHECK(played.game->round() == 0);
  CHECK(played.game->rounds() == 8);
  CHECK_THROWS_WITH_AS(NewGame({.scenario = "no_such_scenario"}, played.tokens), doctest::Contains("no such file, nor a library scenario"),
                       InputError);
}

TEST_CASE("Classroom.ATeamJoinsSubmitsAndTheRoundPlaysItsChoice") {
  Played played;
  const std::string token = played.Join("USA", "Team 3");
  const int usa = played.game->world().FindActor("USA");
  CHECK(played.game->team_name(usa) == "Team 3");
  // Joining again with the code gives the same seat and token, and records nothing.
  const std::size_t records = played.records.size();
  CHECK(played.Join("USA", "Other name") == token);
  CHECK(played.records.size() == records);
  CHECK(played.game->team_name(usa) == "Team 3");

  const wire::ServerMessage ack = played.Submit(token, 0, "tariff_china");
  REQUIRE(ack.has_ack());
  CHECK(ack.ack().round() == 0);
  CHECK(ack.ack().action() == "tariff_china");
  CHECK(played.game->SubmittedAction(usa) == "tariff_china");
  const wire::ServerMessage advanced = played.Teacher("advance");
  REQUIRE(advanced.has_ack());
  CHECK(advanced.ack().round() == 0);
  CHECK(played.game->round() == 1);
  CHECK(played.game->phase() == Phase::kRunning);
  CHECK(played.game->ActionName(usa, played.game->played(0)[usa]) == "tariff_china");
  // Submitting nothing keeps the last choice.
  played.Teacher("advance");
  CHECK(played.game->ActionName(usa, played.game->played(1)[usa]) == "tariff_china");
  // The model plays the seats no team holds (best response: some menu action).
  const int chn = played.game->world().FindActor("CHN");
  CHECK(played.game->played(1)[chn] >= 0);
}

TEST_CASE("Classroom.RefusedMessagesChangeNothing") {
  Played played;
  const std::string token = played.Join("JPN", "Team J");
  played.Submit(token, 0, "stockpile");
  const std::size_t records = played.records.size();
  auto code = [](const wire::ServerMessage& message) { return message.has_error() ? message.error().code() : "no error"; };
  CHECK(code(played.Submit("0123", 0, "open")) == "bad_token");
  CHECK(code(played.Submit(token, 1, "open")) == "wrong_round");
  CHECK(code(played.Submit(token, 0, "nuke")) == "not_in_menu");
  CHECK(code(played.Send(R"({"submit":{"token":")" + token + R"(","round":0,"action":"open","actor":"USA"}})")) == "wrong_actor");
  CHECK(code(played.Send(R"({"join":{"code":"NOSUCH"}})")) == "bad_code");
  CHECK(code(played.Send(R"({"hello":{"token":"abc"}})")) == "bad_token");
  CHECK(code(played.Send(R"({"teacher":{"token":")" + token + R"(","command":"advance"}})")) == "bad_token");
  CHECK(code(played.Teacher("dance")) == "unknown_command");
  CHECK(code(played.Teacher("resume")) == "wrong_phase");
  CHECK(played.records.size() == records);
  CHECK(played.game->SubmittedAction(played.game->world().FindActor("JPN")) == "stockpile");
  played.Teacher("end");
  CHECK(code(played.Submit(token, 0, "open")) == "game_over");
  CHECK(code(played.Teacher("advance")) == "game_over");
}

TEST_CASE("Classroom.ClientFramesMustBeOneKnownMessage") {
  wire::ClientMessage message;
  CHECK(ParseClientMessage(R"({"hello":{"token":"x"}})", message).empty());
  CHECK(!ParseClientMessage("{not json", message).empty());
  CHECK(!ParseClientMessage(R"({"hello":{"token":"x","extra":1}})", message).empty());  // unknown field
  CHECK(!ParseClientMessage(R"({"shout":{}})", message).empty());
  CHECK(!ParseClientMessage("{}", message).empty());
  CHECK(!ParseClientMessage(R"({"hello":{"token":"x"},"join":{"code":"y"}})", message).empty());
  CHECK(!ParseClientMessage(R"([1,2])", message).empty());
}

TEST_CASE("Classroom.TeamsSeeOnlyTheirOwnPrivateMetrics") {
  Played played;
  played.Join("USA", "U");
  played.Teacher("advance");
  const int usa = played.game->world().FindActor("USA");
  const wire::ServerMessage mine = played.game->RoundResultFor(0, usa);
  const auto& metrics = mine.round_result().metrics();
  CHECK(metrics.count("payoff.USA") == 1);
  CHECK(metrics.count("payoff.USA.policy_cost") == 1);
  CHECK(metrics.count("payoff.CHN") == 0);
  CHECK(metrics.count("payoff.CHN.policy_cost") == 0);
  CHECK(metrics.count("price.dy_oxide") == 1);
  for (const auto& [name, value] : metrics) {
    if (name.starts_with("payoff.") || name.starts_with("stockpile.")) {
      CHECK_MESSAGE((name == "payoff.USA" || name.starts_with("payoff.USA.") || name == "stockpile.USA"), name);
    }
  }
  const wire::ServerMessage teacher = played.game->RoundResultFor(0, -1);
  CHECK(teacher.round_result().metrics().count("payoff.CHN") == 1);
  // The others' pending choices are never in what a team gets.
  const std::string json = ToJson(played.game->WelcomeFor(usa, 0));
  CHECK(json.find("\"actor\":\"USA\"") != std::string::npos);
}

TEST_CASE("Classroom.ReplayingTheRecordsGivesTheSameGame") {
  Played played;
  const std::string usa = played.Join("USA", "U");
  const std::string chn = played.Join("CHN", "C");
  played.Submit(usa, 0, "stockpile");
  played.Submit(chn, 0, "license_heavy");
  played.Teacher("start");
  played.Teacher("advance");
  played.Submit(usa, 1, "tariff_china");
  played.Teacher("advance");
  const std::string jpn = played.Join("JPN", "J");  // a seat taken after two rounds
  played.Submit(jpn, 2, "recycle");
  played.Teacher("advance");
  const std::unique_ptr<Game> again = Replay(played.records);
  REQUIRE(again->round() == 3);
  for (int r = 0; r < 3; ++r) {
    CHECK(again->metrics(r) == played.game->metrics(r));
    CHECK(again->played(r) == played.game->played(r));
  }
  CHECK(again->team_token(again->world().FindActor("USA")) == usa);
  CHECK(again->DecisionsJson() == played.game->DecisionsJson());
  // Same journal, same snapshots.
  testing::TempDir dir;
  played.game->WriteSnapshot(dir.File("a.pbs"));
  again->WriteSnapshot(dir.File("b.pbs"));
  CHECK(testing::FileBytes(dir.File("a.pbs")) == testing::FileBytes(dir.File("b.pbs")));
  const run::SnapshotFile file = run::ReadSnapshotFile(dir.File("a.pbs"));
  CHECK(file.complete);
  CHECK(file.round_data.size() == 3);
}

// The debrief with its counterfactual scores, computed here in one go (the server computes them on
// DebriefReplays' worker).
wire::ServerMessage CompleteDebrief(Game& game) {
  game.SetCounterfactuals(ReplayCounterfactuals(game.MakeCounterfactualJob()));
  REQUIRE(game.HasCounterfactuals());
  return game.DebriefMessage();
}

// Writes the records to DIR/journal as the server does.
void WriteJournal(const std::string& dir, const std::vector<wire::JournalRecord>& records) {
  std::vector<std::string> read;
  std::string warning;
  Journal journal(dir + "/journal", read, warning);
  for (const wire::JournalRecord& record : records) journal.Append(record.SerializeAsString());
  journal.Sync();
}

TEST_CASE("Classroom.AReplayFromTheJournalIsTheGameByteForByteAndASwapChangesOnlyThatSeat") {
  NewGameOptions options;
  options.rounds = 3;
  Played played(options);
  const std::string usa = played.Join("USA", "U");
  const std::string chn = played.Join("CHN", "C");
  played.Teacher("start");
  played.Submit(usa, 0, "tariff_china");
  played.Submit(chn, 0, "license_heavy");
  played.Teacher("advance");
  played.Submit(usa, 1, "stockpile");
  played.Teacher("advance");
  played.Teacher("advance");
  REQUIRE(played.game->phase() == Phase::kEnded);
  testing::TempDir dir;
  WriteJournal(dir.path().string(), played.records);
  played.game->WriteSnapshot(dir.File("served.pbs"));
  const std::string journal_before = testing::FileBytes(dir.File("journal"));

  ReplayOptions replay;
  replay.state_dir = dir.path().string();
  std::ostringstream out;
  CHECK(ReplayGame(replay, out) == 0);
  CHECK(testing::FileBytes(dir.File("replay.pbs")) == testing::FileBytes(dir.File("served.pbs")));
  CHECK(out.str().find("No seat swapped") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("journal")) == journal_before);  // only read

  // USA handed to the model's best response: USA's actions change, CHN keeps what it played.
  const int usa_actor = played.game->world().FindActor("USA");
  const int chn_actor = played.game->world().FindActor("CHN");
  replay.swaps = {"USA=best_response"};
  replay.snapshot_path = dir.File("swapped.pbs");
  std::ostringstream swapped_out;
  CHECK(ReplayGame(replay, swapped_out) == 0);
  CHECK(swapped_out.str().find("Swapped: USA=best_response") != std::string::npos);
  const run::SnapshotFile swapped = run::ReadSnapshotFile(dir.File("swapped.pbs"));
  CHECK(swapped.complete);
  CHECK(swapped.round_data.size() == 3);
  CHECK(testing::FileBytes(dir.File("swapped.pbs")) != testing::FileBytes(dir.File("served.pbs")));
  const std::vector<run::Metrics> metrics = played.game->Replay({SeatSwap{usa_actor, reesim::BEST_RESPONSE}});
  REQUIRE(metrics.size() == 3);
  CHECK(played.game->Replay({SeatSwap{usa_actor, reesim::BEST_RESPONSE}}) == metrics);  // exact, every time
  double usa_sum = 0;
  for (const run::Metrics& round : metrics) usa_sum += round.at("payoff.USA");
  char expected[64];
  std::snprintf(expected, sizeof expected, "%16.1f\n", usa_sum);
  CHECK(swapped_out.str().find("USA    U") != std::string::npos);
  CHECK(swapped_out.str().find(expected) != std::string::npos);
  // Both team seats handed back to the model's own strategy (best response, the classroom's menus):
  // the game the model plays alone, whose payoffs the debrief shows as model_payoff.
  const std::vector<run::Metrics> model_alone = played.game->Replay(
      {SeatSwap{usa_actor, reesim::BEST_RESPONSE}, SeatSwap{chn_actor, reesim::BEST_RESPONSE}});
  double usa_alone = 0, chn_alone = 0;
  for (const run::Metrics& round : model_alone) usa_alone += round.at("payoff.USA"), chn_alone += round.at("payoff.CHN");
  const wire::ServerMessage debrief = CompleteDebrief(*played.game);
  for (const wire::LeaderboardEntry& entry : debrief.debrief().leaderboard()) {
    if (entry.actor() == "USA") CHECK(entry.model_payoff() == usa_alone);
    if (entry.actor() == "CHN") CHECK(entry.model_payoff() == chn_alone);
  }

  replay.swaps = {"ZZZ=best_response"};
  CHECK_THROWS_WITH_AS(ReplayGame(replay, out), doctest::Contains("ZZZ is not a seat"), InputError);
  replay.swaps = {"USA=external"};
  CHECK_THROWS_WITH_AS(ReplayGame(replay, out), doctest::Contains("unknown model strategy external"), InputError);
  replay.state_dir = dir.File("nothing-here");
  replay.swaps = {};
  CHECK_THROWS_AS(ReplayGame(replay, out), InputError);
}

TEST_CASE("Classroom.ASeatTakenLateLeavesThePlayedRoundsAsTheyWere") {
  Played late;
  Played never;
  for (Played* played : {&late, &never}) {
    played->Teacher("advance");
    played->Teacher("advance");
  }
  const std::string token = late.Join("KOR", "K");
  late.Teacher("advance");
  never.Teacher("advance");
  CHECK(late.game->metrics(0) == never.game->metrics(0));
  CHECK(late.game->metrics(1) == never.game->metrics(1));
  // The seat keeps the model's last choice until the team submits.
  const int kor = late.game->world().FindActor("KOR");
  CHECK(late.game->played(2)[kor] == late.game->played(1)[kor]);
}

TEST_CASE("Classroom.TeamsPickAnOpenSeatWithTheClassCode") {
  Played played;
  const std::string class_code = played.game->class_code();
  REQUIRE(class_code.size() == kJoinCodeLength);
  for (const int a : played.game->seats()) CHECK(played.game->join_code(a) != class_code);
  auto code = [](const wire::ServerMessage& message) { return message.has_error() ? message.error().code() : "no error"; };
  auto join = [&](const std::string& actor, const std::string& name) {
    return played.Send(R"({"join":{"code":")" + class_code + R"(","name":")" + name + R"(","actor":")" + actor + R"("}})");
  };
  // Without a seat, the class code lists the open ones (every seat, before anyone joins).
  const wire::ServerMessage open = played.Send(R"({"join":{"code":")" + class_code + R"("}})");
  REQUIRE(open.has_open_seats());
  CHECK(open.open_seats().seats_size() == 14);
  CHECK(open.open_seats().seats(0).actor_name() != "");

  const std::string usa_token = played.Join("USA", "Team U");
  played.Teacher(R"(assign","actor":"JPN","text":"Team Red)");
  const wire::ServerMessage picked = join("KOR", "Team K");
  REQUIRE(picked.has_welcome());
  CHECK(picked.welcome().actor() == "KOR");
  CHECK(picked.welcome().team() == "Team K");
  CHECK(picked.welcome().token() != usa_token);
  // A seat held, or kept for a team by the teacher, is not open: not listed and not taken.
  const wire::ServerMessage left = played.Send(R"({"join":{"code":")" + class_code + R"("}})");
  REQUIRE(left.has_open_seats());
  CHECK(left.open_seats().seats_size() == 11);
  for (const auto& seat : left.open_seats().seats()) {
    CHECK(seat.actor() != "USA");
    CHECK(seat.actor() != "JPN");
    CHECK(seat.actor() != "KOR");
  }
  const std::size_t records = played.records.size();
  CHECK(code(join("USA", "Thief")) == "seat_taken");  // the class code never hands out a held seat's token
  CHECK(code(join("JPN", "Not red")) == "seat_taken");
  CHECK(code(join("XXX", "Lost")) == "wrong_actor");
  CHECK(code(played.Send(R"({"join":{"code":")" + played.game->join_code(played.game->world().FindActor("USA")) +
                         R"(","actor":"JPN"}})")) == "wrong_actor");
  CHECK(played.records.size() == records);
  // The assigned team joins with its seat's code and gets the teacher's name for it, whatever it types.
  const wire::ServerMessage red = played.Send(R"({"join":{"code":")" + played.game->join_code(played.game->world().FindActor("JPN")) +
                                             R"(","name":"typed"}})");
  REQUIRE(red.has_welcome());
  CHECK(red.welcome().team() == "Team Red");
  // The teacher turns picking off: the class code no longer works; the seats' codes still do.
  CHECK(played.game->picking());
  REQUIRE(played.Teacher(R"(picking","text":"off)").has_ack());
  CHECK(!played.game->picking());
  CHECK(code(played.Send(R"({"join":{"code":")" + class_code + R"("}})")) == "bad_code");
  CHECK(code(played.Teacher(R"(picking","text":"maybe)")) == "malformed");
  CHECK(played.Join("IND", "Team C") != "");
  // The same game again from its records.
  const std::unique_ptr<Game> replayed = Replay(played.records);
  CHECK(!replayed->picking());
  for (const char* id : {"USA", "JPN", "KOR", "IND"}) {
    const int a = played.game->world().FindActor(id);
    CHECK(replayed->team_name(a) == played.game->team_name(a));
    CHECK(replayed->team_token(a) == played.game->team_token(a));
  }
}

// A journal from before seat picking has no class code: nobody can pick, and the teacher is told why.
TEST_CASE("Classroom.AGameWithoutAClassCodeHasNoSeatPicking") {
  CountingTokens tokens;
  wire::JournalRecord created = NewGame({}, tokens);
  const std::string would_be = created.created().class_code();
  created.mutable_created()->clear_class_code();
  Game game(created.created());
  CHECK(game.class_code().empty());
  CHECK(!game.picking());
  const Handled picking = game.Handle(
      Parse(R"({"teacher":{"token":")" + game.teacher_token() + R"(","command":"picking","text":"on"}})"), tokens);
  CHECK(!picking.record);
  CHECK(picking.reply.error().code() == "bad_request");
  const Handled join = game.Handle(Parse(R"({"join":{"code":")" + would_be + R"("}})"), tokens);
  CHECK(join.reply.error().code() == "bad_code");
  const wire::TeacherView view = game.TeacherViewMessage({}, 0, "http://x/").teacher_view();
  CHECK(view.join_url() == "http://x/");
  CHECK(!view.picking());
}

TEST_CASE("Classroom.TheTeacherReleasesASeatAndAnotherTeamTakesIt") {
  Played played;
  auto code = [](const wire::ServerMessage& message) { return message.has_error() ? message.error().code() : "no error"; };
  const int usa = played.game->world().FindActor("USA");
  const std::string old_code = played.game->join_code(usa);
  const std::string first = played.Join("USA", "Wrong team");
  CHECK(code(played.Teacher(R"(assign","actor":"USA","text":"Team Blue)")) == "seat_taken");
  CHECK(code(played.Teacher(R"(release","actor":"ZZZ)")) == "bad_request");
  CHECK(code(played.Teacher(R"(release","actor":"IND)")) == "bad_request");  // nobody holds it
  played.Submit(first, 0, "tariff_china");

  // Before any round: released, the seat is the model's again, with a new code; the old token is dead.
  const Applied applied = [&] {
    const Handled handled = played.game->Handle(
        Parse(R"({"teacher":{"token":")" + played.game->teacher_token() + R"(","command":"release","actor":"USA"}})"), played.tokens);
    REQUIRE(handled.record);
    played.records.push_back(*handled.record);
    return played.game->Apply(*handled.record);
  }();
  CHECK(applied.released == usa);
  CHECK(played.game->join_code(usa) != old_code);
  // The released team cannot take the seat back with the class code: it goes to whoever gets its new code.
  CHECK(code(played.Send(R"({"join":{"code":")" + played.game->class_code() + R"(","actor":"USA"}})")) == "seat_taken");
  CHECK(played.game->team_token(usa).empty());
  CHECK(played.game->SubmittedAction(usa).empty());
  CHECK(code(played.Submit(first, 0, "open")) == "bad_token");
  CHECK(code(played.Send(R"({"join":{"code":")" + old_code + R"("}})")) == "bad_code");
  played.Teacher("advance");
  Played model_only;
  model_only.Teacher("advance");
  CHECK(played.game->metrics(0) == model_only.game->metrics(0));

  // A team takes it with the new code and plays; released after a round, the seat keeps its last action.
  const std::string second = played.Join("USA", "Right team");
  CHECK(second != first);
  CHECK(played.game->team_name(usa) == "Right team");
  played.Submit(second, 1, "subsidise");
  played.Teacher("advance");
  REQUIRE(played.Teacher(R"(release","actor":"USA)").has_ack());
  played.Teacher("advance");
  CHECK(played.game->ActionName(usa, played.game->played(2)[usa]) == "subsidise");
  CHECK(played.game->DecisionsCsv().find(",USA,subsidise,kept") != std::string::npos);
  const auto seat_view = [&](const std::string& id) {
    const wire::ServerMessage view = played.game->TeacherViewMessage({}, 0, "");
    for (const wire::SeatView& seat : view.teacher_view().seats()) {
      if (seat.actor() == id) return seat;
    }
    FAIL("no seat " << id);
    return wire::SeatView{};
  };
  CHECK(seat_view("USA").kept());  // the console says so, rather than "model"
  CHECK(!seat_view("JPN").kept());
  // Released with a team's name, the seat goes to that team at once (a move in one step).
  const std::string third = played.Join("USA", "Third team");
  REQUIRE(played.Teacher(R"(release","actor":"USA","text":"Fourth team)").has_ack());
  CHECK(played.game->team_token(usa).empty());
  CHECK(seat_view("USA").assigned() == "Fourth team");
  const wire::ServerMessage fourth = played.Send(R"({"join":{"code":")" + played.game->join_code(usa) + R"(","name":"typed"}})");
  REQUIRE(fourth.has_welcome());
  CHECK(fourth.welcome().team() == "Fourth team");
  CHECK(fourth.welcome().code() == played.game->join_code(usa));  // for the team's other devices
  CHECK(fourth.welcome().token() != third);
  // The debrief names every team that played the seat, not only its last holder (nor "the model").
  CHECK(played.game->TeamsOf(usa) == "Right team, then Fourth team");
  played.Teacher("advance");
  CHECK(played.game->TeamsOf(usa) == "Right team, then Fourth team");
  CHECK(played.game->TeamsOf(played.game->world().FindActor("CHN")).empty());
  // The journal gives the same game, codes and all.
  const std::unique_ptr<Game> replayed = Replay(played.records);
  CHECK(replayed->join_code(usa) == played.game->join_code(usa));
  CHECK(replayed->metrics(2) == played.game->metrics(2));
}

TEST_CASE("Classroom.TheGameEndsAfterItsRoundsWithADebrief") {
  NewGameOptions options;
  options.rounds = 2;
  Played played(options);
  const std::string usa = played.Join("USA", "Stars");
  played.Submit(usa, 0, "subsidise");
  played.Teacher("advance");
  CHECK(played.game->phase() == Phase::kRunning);
  played.Teacher("advance");
  CHECK(played.game->phase() == Phase::kEnded);
  // At first the counterfactual scores are pending (the server replays the game off its game thread);
  // everything else is there.
  const wire::ServerMessage pending = played.game->DebriefMessage();
  CHECK(pending.debrief().replays_pending());
  CHECK(pending.debrief().leaderboard_size() == 14);
  for (const wire::LeaderboardEntry& entry : pending.debrief().leaderboard()) {
    CHECK(entry.model_payoff() == 0);
    CHECK(entry.best_response_payoff() == 0);
  }
  const wire::ServerMessage debrief = CompleteDebrief(*played.game);
  REQUIRE(debrief.has_debrief());
  CHECK(!debrief.debrief().replays_pending());
  CHECK(debrief.debrief().leaderboard_size() == 14);
  CHECK(debrief.debrief().rounds_size() == pending.debrief().rounds_size());
  for (int i = 1; i < debrief.debrief().leaderboard_size(); ++i) {
    CHECK(debrief.debrief().leaderboard(i - 1).payoff() >= debrief.debrief().leaderboard(i).payoff());
  }
  // Each seat's best response from the same start: USA (held by the team) from a replay with USA alone
  // swapped; CHN (the model's best response already) as played.
  const int usa_actor = played.game->world().FindActor("USA");
  const std::vector<run::Metrics> swapped = played.game->Replay({SeatSwap{usa_actor, reesim::BEST_RESPONSE}});
  double usa_best = 0;
  for (const run::Metrics& round : swapped) usa_best += round.at("payoff.USA");
  int checked = 0;
  for (const wire::LeaderboardEntry& entry : debrief.debrief().leaderboard()) {
    if (entry.actor() == "USA") {
      CHECK(entry.best_response_payoff() == usa_best);
      ++checked;
    }
    if (entry.actor() == "CHN") {
      CHECK(entry.best_response_payoff() == entry.payoff());
      ++checked;
    }
  }
  CHECK(checked == 2);
  CHECK(debrief.debrief().rounds_size() == 2);
  CHECK(debrief.debrief().rounds(0).decisions().at("USA") == "subsidise");
  CHECK(debrief.debrief().rounds(0).deciders().at("USA") == "Stars");
  CHECK(debrief.debrief().rounds(1).deciders().at("USA") == "kept");
  CHECK(debrief.debrief().rounds(1).deciders().at("CHN") == "model");
  const std::string csv = played.game->DecisionsCsv();
  CHECK(csv.find("0,2024Q1,USA,subsidise,Stars\n") != std::string::npos);
}

}  // namespace
}  // namespace reesim::classroom

namespace reesim::classroom {
namespace {

TEST_CASE("Classroom.TheQuickPathsReadAndWriteAsProtobufsJsonMappingDoes") {
  // Submits are read by a quick path: the same message as protobuf's parser makes.
  for (const std::string json : {R"({"submit":{"token":"ab","round":3,"action":"open"}})",
                                 R"({"submit":{"token":"ab","round":0,"action":"open","actor":"USA"}})",
                                 R"({"submit":{}})"}) {
    wire::ClientMessage quick, slow;
    CHECK(ParseClientMessage(json, quick).empty());
    google::protobuf::util::JsonParseOptions options;
    REQUIRE(google::protobuf::util::JsonStringToMessage(json, &slow, options).ok());
    CHECK(quick.SerializeAsString() == slow.SerializeAsString());
  }
  wire::ClientMessage message;
  CHECK(!ParseClientMessage(R"({"submit":{"token":"ab","round":1.5}})", message).empty());
  CHECK(!ParseClientMessage(R"({"submit":{"token":"ab","extra":1}})", message).empty());
  CHECK(ParseClientMessage(R"({"submit":{"round":"2"}})", message).empty());  // protobuf reads "2" as 2
  CHECK(message.submit().round() == 2);
  // Acknowledgements are written by a quick path: the same text as protobuf's printer writes.
  wire::ServerMessage ack;
  ack.mutable_ack()->set_round(7);
  ack.mutable_ack()->set_action("tariff \"china\"");
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string expected;
  REQUIRE(google::protobuf::util::MessageToJsonString(ack, &expected, options).ok());
  CHECK(ToJson(ack) == expected);

  // Round results and histories are written by a quick path: the same messages when parsed.
  Played played;
  const std::string usa = played.Join("USA", "Team 1");
  played.Submit(usa, 0, "tariff_china");
  played.Teacher("advance");
  played.Teacher("advance");
  for (const int actor : {-1, played.game->world().FindActor("USA"), played.game->world().FindActor("JPN")}) {
    for (int round = 0; round < 2; ++round) {
      wire::ServerMessage quick;
      REQUIRE(google::protobuf::util::JsonStringToMessage(played.game->RoundResultJson(round, actor), &quick).ok());
      CHECK(google::protobuf::util::MessageDifferencer::Equals(quick, played.game->RoundResultFor(round, actor)));
      CHECK(quick.round_result().metrics().size() > 100);
    }
    wire::ServerMessage history;
    REQUIRE(google::protobuf::util::JsonStringToMessage(played.game->HistoryJson(actor), &history).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(history, played.game->HistoryFor(actor)));
  }
}


// The fan of a what-if, as plain vectors.
std::vector<std::vector<double>> Bands(const wire::WhatIf& fan) {
  auto v = [](const auto& field) { return std::vector<double>(field.begin(), field.end()); };
  return {v(fan.p5()), v(fan.p25()), v(fan.p50()), v(fan.p75()), v(fan.p95())};
}

TEST_CASE("Classroom.AWhatIfIsTheSameForTheSameStateWhateverTheThreadCount") {
  NewGameOptions options;
  options.rounds = 5;
  Played played(options);
  const std::string usa = played.Join("USA", "Team 1");
  played.Submit(usa, 0, "tariff_china");
  played.Teacher("advance");
  played.Teacher("advance");
  const ForkState fork = played.game->Fork();
  CHECK(fork.played.size() == 2);
  const int usa_actor = played.game->world().FindActor("USA");
  CHECK(played.game->ActionName(usa_actor, fork.held[usa_actor]) == "tariff_china");  // kept from round 0
  wire::WhatIfRequest request;
  request.set_runs(8);
  const WhatIfPlan plan = PlanWhatIf(fork, request);
  CHECK(plan.metric == "class_payoff");
  CHECK(plan.summands == std::vector<std::string>{"payoff.USA"});
  CHECK(plan.spec.parameters.size() > 10);  // the default set: the expectation weight, every entry's elasticity and growth
  int calls = 0, last_done = 0;
  const wire::WhatIf one = RunWhatIf(fork, plan, 1, [&](int done, int total) {
    ++calls;
    CHECK(done == last_done + 1);
    CHECK(total == 8);
    last_done = done;
  }, nullptr);
  CHECK(calls == 8);
  const wire::WhatIf two = RunWhatIf(fork, plan, 2, {}, nullptr);
  CHECK(one.SerializeAsString() == two.SerializeAsString());
  CHECK(one.runs() == 8);
  CHECK(one.failures() == 0);
  CHECK(one.from_round() == 2);
  REQUIRE(one.rounds_size() == 3);
  CHECK(one.periods(0) == "2024Q3");
  for (int k = 0; k < one.rounds_size(); ++k) {
    CHECK(one.p5(k) <= one.p25(k));
    CHECK(one.p25(k) <= one.p50(k));
    CHECK(one.p50(k) <= one.p75(k));
    CHECK(one.p75(k) <= one.p95(k));
  }
  CHECK(one.p95(2) > one.p5(2));  // the drawn worlds differ: the fan has a width
  // Another sampling seed gives another fan.
  request.set_seed(99);
  const wire::WhatIf other = RunWhatIf(fork, PlanWhatIf(fork, request), 2, {}, nullptr);
  CHECK(Bands(other) != Bands(one));
}

TEST_CASE("Classroom.AWhatIfWithThePlayedNumbersIsTheClassContinuing") {
  // Every run draws the scenario's own numbers: the fork is the game going on with the teams' choices
  // held, round for round (the replay reaches the class's state exactly, and the world put in place
  // at the fork is the same world).
  NewGameOptions options;
  options.rounds = 5;
  Played played(options);
  const std::string usa = played.Join("USA", "Team 1");
  const std::string jpn = played.Join("JPN", "Team 2");
  played.Submit(usa, 0, "tariff_china");
  played.Teacher("advance");
  played.Submit(jpn, 1, played.game->menu_names(played.game->world().FindActor("JPN")).back());
  const ForkState fork = played.game->Fork();
  wire::WhatIfRequest request;
  request.set_runs(3);
  request.set_metric("price.dy_oxide");
  request.set_parameters(R"(parameters { path: "market.expectation_weight" discrete { values: 0.5 } })");
  const WhatIfPlan plan = PlanWhatIf(fork, request);
  const wire::WhatIf fan = RunWhatIf(fork, plan, 2, {}, nullptr);
  CHECK(fan.unit() == "USD/kg");
  REQUIRE(fan.rounds_size() == 4);
  for (int r = 1; r < 5; ++r) played.Teacher("advance");  // JPN's pending choice, then both held
  CHECK(played.game->phase() == Phase::kEnded);
  for (int k = 0; k < 4; ++k) {
    const double actual = played.game->metrics(1 + k).at("price.dy_oxide");
    CHECK(fan.p5(k) == actual);
    CHECK(fan.p95(k) == actual);
  }
  // The actual path is the class's.
  wire::WhatIf overlaid = fan;
  std::vector<const run::Metrics*> rounds;
  for (int r = 0; r < played.game->round(); ++r) rounds.push_back(&played.game->metrics(r));
  SetActualPath(overlaid, plan, rounds);
  REQUIRE(overlaid.actual_size() == 5);
  CHECK(overlaid.actual(4) == played.game->metrics(4).at("price.dy_oxide"));
}

TEST_CASE("Classroom.AWhatIfRefusesWhatDoesNotFitTheGame") {
  NewGameOptions options;
  options.rounds = 3;
  Played played(options);
  const ForkState fork = played.game->Fork();
  auto refusal = [&](const std::string& metric, int runs, const std::string& parameters) {
    wire::WhatIfRequest request;
    request.set_metric(metric);
    request.set_runs(runs);
    request.set_parameters(parameters);
    try {
      PlanWhatIf(fork, request);
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK(refusal("", 0, "") == "accepted");
  CHECK(refusal("price.no_such_product", 0, "").find("metric") != std::string::npos);
  CHECK(refusal("", 1001, "").find("runs") != std::string::npos);
  CHECK(refusal("", 0, R"(parameters { path: "market.no_such_field" uniform { min: 0 max: 1 } })").find("parameters[0].path") != std::string::npos);
  CHECK(refusal("", 0, R"(parameters { path: "market.expectation_weight" uniform { min: 1 max: 0 } })").find("uniform.min") != std::string::npos);
  CHECK(refusal("", 0, R"(name: "x" parameters { path: "market.expectation_weight" uniform { min: 0.2 max: 0.4 } })").find("only") != std::string::npos);
  CHECK(refusal("", 0, "sampler: SOBOL parameters { path: \"market.expectation_weight\" uniform { min: 0.2 max: 0.4 } }").find("sampler") != std::string::npos);
  // A message needs the teacher's token; at the game's end no round is left.
  wire::ServerMessage reply = played.Send(R"({"teacher":{"token":"nope","command":"what_if"}})");
  CHECK(reply.error().code() == "bad_token");
  const Handled handled = played.game->Handle(Parse(R"({"teacher":{"token":")" + played.game->teacher_token() +
                                                    R"(","command":"what_if","what_if":{"runs":5,"metric":"price.dy_oxide"}}})"),
                                              played.tokens);
  CHECK(handled.what_if);
  CHECK(!handled.record);
  for (int r = 0; r < 3; ++r) played.Teacher("advance");
  CHECK(played.Send(R"({"teacher":{"token":")" + played.game->teacher_token() + R"(","command":"what_if"}})").error().code() == "game_over");
}

}  // namespace
}  // namespace reesim::classroom

namespace reesim::classroom {
namespace {

// The server's game thread without the network: runs posted functions one at a time, in order.
class GameThread {
 public:
  GameThread() : thread_([this] { Loop(); }) {}
  ~GameThread() {
    Post(nullptr);
    thread_.join();
  }
  void Post(std::function<void()> function) {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(function));
    ready_.notify_one();
  }
  // Runs `function` on the game thread and returns its result (everything posted before it has run).
  template <class F>
  auto Call(F function) {
    auto task = std::make_shared<std::packaged_task<decltype(function())()>>(std::move(function));
    auto result = task->get_future();
    Post([task] { (*task)(); });
    return result.get();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> next;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        next = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!next) return;
      next();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
};

// Holds the replays' worker before the first replay of its first job until opened: the replays "take
// long" for as long as the test wants, with no clock involved.
struct Gate {
  std::promise<void> reached_promise, open_promise;
  std::future<void> reached = reached_promise.get_future();
  std::shared_future<void> opened = open_promise.get_future().share();
  std::atomic<bool> held{false};
  std::atomic<int> replays_done{0};
  std::function<void(int, int)> Progress() {
    return [this](int done, int) {
      if (done == 0 && !held.exchange(true)) {
        reached_promise.set_value();
        opened.wait();
      }
      replays_done = done;
    };
  }
};

TEST_CASE("Classroom.TheDebriefsReplaysRunOffTheGameThreadWhichAnswersMessagesMeanwhile") {
  NewGameOptions options;
  options.rounds = 3;
  Played played(options);
  const std::string usa = played.Join("USA", "U");
  const std::string chn = played.Join("CHN", "C");
  played.Submit(usa, 0, "tariff_china");
  played.Submit(chn, 1, "license_heavy");
  for (int r = 0; r < 3; ++r) played.Teacher("advance");
  REQUIRE(played.game->phase() == Phase::kEnded);
  // The scores computed in one go on this thread: what the worker must hand back, bit for bit.
  const CounterfactualJob job = played.game->MakeCounterfactualJob();
  CHECK(job.replay_seats.size() == 2);  // the team seats; the model's seats played best response already
  const Counterfactuals expected = ReplayCounterfactuals(job);
  CHECK(expected.rounds == 3);

  GameThread game_thread;
  auto post = [&](std::function<void()> function) { game_thread.Post(std::move(function)); };

  // The server stops while the replays run: they are cancelled, nothing comes back, no scores.
  {
    Gate gate;
    int ended = 0;
    DebriefReplays replays(post, [&](const std::string&) { ++ended; }, gate.Progress());
    game_thread.Call([&] { return replays.Start(*played.game), 0; });
    gate.reached.wait();
    replays.Cancel();
    gate.open_promise.set_value();
    replays.Stop();
    CHECK(game_thread.Call([&] { return ended; }) == 0);
    CHECK(!game_thread.Call([&] { return played.game->HasCounterfactuals(); }));
    CHECK(gate.replays_done < 1 + static_cast<int>(job.replay_seats.size()));
  }

  // The debrief starts: it goes out at once with the scores pending, and the replays start on the
  // worker, which waits at the gate before its first replay.
  Gate gate;
  std::promise<std::string> ended;
  DebriefReplays replays(post, [&](const std::string& failure) { ended.set_value(failure); }, gate.Progress());
  const wire::ServerMessage first = game_thread.Call([&] {
    replays.Start(*played.game);
    return played.game->DebriefMessage();
  });
  CHECK(first.debrief().replays_pending());
  gate.reached.wait();
  // Messages sent now are answered on the game thread while the replays are held: had the game thread
  // run the replays itself, it would be the one waiting at the gate and this would never be answered.
  struct Answers {
    wire::ServerMessage broadcast, late_submit, debrief;
    bool running = false;
    int replays_done = -1;
  };
  std::future<Answers> answered = std::async(std::launch::async, [&] {
    return game_thread.Call([&] {
      Answers answers;
      answers.broadcast = played.Send(R"({"teacher":{"token":")" + played.game->teacher_token() +
                                      R"(","command":"broadcast","text":"well played"}})");
      answers.late_submit = played.Submit(usa, 3, "stockpile");
      answers.debrief = played.game->DebriefMessage();
      answers.running = replays.running();
      answers.replays_done = gate.replays_done;
      return answers;
    });
  });
  // A fail-safe for a broken build, not a timing threshold: answered at once when the game thread is free.
  const bool in_time = answered.wait_for(std::chrono::minutes(10)) == std::future_status::ready;
  gate.open_promise.set_value();
  REQUIRE_MESSAGE(in_time, "a message was not answered while the debrief's replays ran");
  const Answers answers = answered.get();
  CHECK(answers.broadcast.ack().command() == "broadcast");
  CHECK(answers.late_submit.error().code() == "game_over");
  CHECK(answers.debrief.debrief().replays_pending());
  CHECK(answers.running);
  CHECK(answers.replays_done == 0);  // the gate held the worker: no replay had finished

  // The gate opens: the scores come back on the game thread, the same as computed in one go.
  CHECK(ended.get_future().get().empty());
  const wire::ServerMessage last = game_thread.Call([&] { return played.game->DebriefMessage(); });
  CHECK(!last.debrief().replays_pending());
  CHECK(gate.replays_done == 1 + static_cast<int>(job.replay_seats.size()));
  REQUIRE(last.debrief().leaderboard_size() == 14);
  for (const wire::LeaderboardEntry& entry : last.debrief().leaderboard()) {
    const int a = played.game->world().FindActor(entry.actor());
    CHECK(entry.model_payoff() == expected.model[a]);
    CHECK(entry.best_response_payoff() == expected.best_response[a]);
  }
  CHECK(!game_thread.Call([&] { return replays.running(); }));
  // Known now: asking again starts nothing.
  game_thread.Call([&] { return replays.Start(*played.game), 0; });
  CHECK(!game_thread.Call([&] { return replays.running(); }));
}

}  // namespace
}  // namespace reesim::classroom

namespace reesim::classroom {
namespace {

TEST_CASE("Classroom.TheTeacherInjectsAnEventAsASurpriseFromTheOpenRound") {
  NewGameOptions options;
  options.rounds = 4;
  Played played(options), unshocked(options);
  for (Played* game : {&played, &unshocked}) {
    const std::string usa = game->Join("USA", "U");
    game->Teacher("start");
    game->Submit(usa, 0, "stockpile");
    game->Teacher("advance");
    game->Teacher("advance");
  }
  // The ready-made events are listed for the console.
  const wire::TeacherView view = played.game->TeacherViewMessage({}, 0, "").teacher_view();
  std::vector<std::string> names;
  for (const wire::EventChoice& event : view.events()) names.push_back(event.name());
  CHECK(names == std::vector<std::string>{"china_licensing", "china_heavy_ban", "china_export_quota", "myanmar_border"});

  // Refused, changing nothing: an unknown name, bad text, an unknown actor, a round already played.
  const std::string inject = R"({"teacher":{"token":")" + played.game->teacher_token() + R"(","command":"inject",)";
  const std::size_t records = played.records.size();
  CHECK(played.Send(inject + R"("event":"asteroid"}})").error().message().find("(events: china_licensing, china_heavy_ban") !=
        std::string::npos);
  CHECK(played.Send(inject + R"("text":"actor: \"CHN\" export_ban {"}})").error().message().starts_with("event:1:"));
  CHECK(played.Send(inject + R"("text":"actor: \"XXX\" export_ban { products: \"dy_oxide\" }"}})").error().message().find(
            "unknown actor") != std::string::npos);
  CHECK(played.Send(inject + R"("text":"actor: \"CHN\" start_round: 1 export_ban { products: \"dy_oxide\" }"}})")
            .error()
            .message()
            .find("round 2 is the open round") != std::string::npos);
  CHECK(played.records.size() == records);

  // China's ban on Dy and Tb exports, from the open round (round 2).
  const wire::ServerMessage ack = played.Send(inject + R"("event":"china_heavy_ban"}})");
  REQUIRE(ack.has_ack());
  CHECK(ack.ack().command() == "inject");
  const reesim::Scenario& scenario = *played.game->Fork().scenario;
  const reesim::PolicyEvent& event = scenario.policies(scenario.policies_size() - 1);
  CHECK(event.actor() == "CHN");
  CHECK(event.start_round() == 2);
  CHECK(event.surprise());
  CHECK(event.has_export_ban());
  for (Played* game : {&played, &unshocked}) game->Teacher("advance");
  const std::vector<run::Metrics> shocked = played.game->Replay({});
  const std::vector<run::Metrics> open = unshocked.game->Replay({});
  REQUIRE(shocked.size() == 3);
  // The rounds before it are the rounds as played: replayed from the start, nobody foresees the ban
  // (China's seat is the model's best response, which looks two rounds ahead).
  CHECK(shocked[0] == open[0]);
  CHECK(shocked[1] == open[1]);
  // From its round, Dy outside China is dearer.
  CHECK(shocked[2].at("price.dy_oxide") > 1.05 * open[2].at("price.dy_oxide"));
  // The journal replays it: the same game, round for round.
  testing::TempDir dir;
  played.game->WriteSnapshot(dir.File("live.pbs"));
  Replay(played.records)->WriteSnapshot(dir.File("journal.pbs"));
  CHECK(testing::FileBytes(dir.File("live.pbs")) == testing::FileBytes(dir.File("journal.pbs")));
  // Not after the game's end.
  played.Teacher("end");
  CHECK(played.Send(inject + R"("event":"myanmar_border"}})").error().code() == "game_over");
}

TEST_CASE("Classroom.ADebriefWhoseReplaysFailSaysWhyAndDoesNotRunThemAgain") {
  NewGameOptions options;
  options.rounds = 1;
  Played played(options);
  played.Join("USA", "U");
  played.Teacher("advance");
  REQUIRE(played.game->phase() == Phase::kEnded);
  GameThread game_thread;
  auto post = [&](std::function<void()> function) { game_thread.Post(std::move(function)); };
  std::atomic<int> jobs{0};
  std::promise<std::string> ended;
  // The replays fail as they start (the progress callback runs inside them, on the worker).
  DebriefReplays replays(post, [&](const std::string& failure) { ended.set_value(failure); }, [&](int done, int) {
    if (done == 0) {
      ++jobs;
      throw std::runtime_error("no memory left");
    }
  });
  game_thread.Call([&] { return replays.Start(*played.game), 0; });
  CHECK(ended.get_future().get() == "no memory left");
  const wire::ServerMessage debrief = game_thread.Call([&] { return played.game->DebriefMessage(); });
  CHECK(!debrief.debrief().replays_pending());
  CHECK(debrief.debrief().replays_failed() == "no memory left");
  for (const wire::LeaderboardEntry& entry : debrief.debrief().leaderboard()) {
    CHECK(entry.model_payoff() == 0);
    CHECK(entry.best_response_payoff() == 0);
  }
  // Every later debrief (a client connecting after the end) asks again: the failure stands.
  CHECK(!game_thread.Call([&] {
    replays.Start(*played.game);
    return replays.running();
  }));
  CHECK(jobs == 1);
}

TEST_CASE("Classroom.DebriefScoresMadeStaleByARoundArePlayedAgainOnlyOnceTheGameHasEnded") {
  NewGameOptions options;
  options.rounds = 3;
  Played played(options);
  const std::string usa = played.Join("USA", "U");
  played.Submit(usa, 0, "stockpile");
  played.Teacher("advance");
  GameThread game_thread;
  int ended = 0;
  std::vector<std::string> failures;
  auto post = [&](std::function<void()> function) { game_thread.Post(std::move(function)); };

  // Asked for after one round (GET /api/debrief); a round is played while the replays are held.
  {
    Gate gate;
    DebriefReplays replays(post, [&](const std::string& failure) { ++ended, failures.push_back(failure); }, gate.Progress());
    game_thread.Call([&] { return replays.Start(*played.game), 0; });
    gate.reached.wait();
    CHECK(game_thread.Call([&] { return played.Teacher("advance").ack().round(); }) == 1);
    gate.open_promise.set_value();
    // Until the worker's scores have reached the game thread (they are dropped there, stale).
    while (game_thread.Call([&] { return replays.running(); })) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // The game has not ended: nothing starts again, and no scores.
    CHECK(!game_thread.Call([&] { return replays.running() || played.game->HasCounterfactuals(); }));
    CHECK(ended == 0);
    CHECK(gate.replays_done == 2);  // the model's replay and USA's: the job ran to its end
  }

  // Asked for again after two rounds; the last round is played (the game ends) while they are held:
  // the replays start again for all three rounds, and their scores are the ones computed in one go.
  Gate gate;
  std::promise<void> done;
  DebriefReplays replays(post, [&](const std::string& failure) {
    ++ended, failures.push_back(failure);
    done.set_value();
  }, gate.Progress());
  game_thread.Call([&] { return replays.Start(*played.game), 0; });
  gate.reached.wait();
  CHECK(game_thread.Call([&] { return played.Teacher("advance").ack().round(); }) == 2);
  REQUIRE(played.game->phase() == Phase::kEnded);
  gate.open_promise.set_value();
  done.get_future().wait();
  CHECK(ended == 1);
  CHECK(failures == std::vector<std::string>{""});
  const Counterfactuals expected = ReplayCounterfactuals(game_thread.Call([&] { return played.game->MakeCounterfactualJob(); }));
  const wire::ServerMessage debrief = game_thread.Call([&] { return played.game->DebriefMessage(); });
  CHECK(!debrief.debrief().replays_pending());
  for (const wire::LeaderboardEntry& entry : debrief.debrief().leaderboard()) {
    const int a = played.game->world().FindActor(entry.actor());
    CHECK(entry.model_payoff() == expected.model[a]);
    CHECK(entry.best_response_payoff() == expected.best_response[a]);
  }
}

}  // namespace
}  // namespace reesim::classroom
