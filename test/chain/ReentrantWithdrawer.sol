// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface ISpmlSettlement {
    function deposit() external payable;
    function withdraw(uint256 amount) external;
}

/// A test attacker: its receive() re-enters withdraw while the settlement contract is paying it.
contract ReentrantWithdrawer {
    ISpmlSettlement public immutable target;
    uint256 public amount;
    bool public swallow;
    /// The revert data of the re-entered withdraw, when it is swallowed.
    bytes public reentryError;
    uint256 public received;

    constructor(address settlement) {
        target = ISpmlSettlement(settlement);
    }

    /// Deposits msg.value and withdraws it; when `swallow_`, a refused re-entry is caught so the outer withdraw can finish.
    function attack(bool swallow_) external payable {
        amount = msg.value;
        swallow = swallow_;
        target.deposit{value: msg.value}();
        target.withdraw(msg.value);
    }

    receive() external payable {
        received += msg.value;
        if (received > amount) return;
        if (!swallow) {
            target.withdraw(amount);
            return;
        }
        try target.withdraw(amount) {} catch (bytes memory e) {
            reentryError = e;
        }
    }
}
